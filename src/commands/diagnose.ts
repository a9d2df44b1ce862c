import { basicAuthNote } from "../providers/microsoft-basic-auth.js";
import { readFileSync } from "node:fs";
import type { Context } from "../context.js";
import type { ExchangeSettings, Owner, ProviderSettings, Security, WebmailSettings } from "../config/types.js";
import { ownerArgs, ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import { EXIT_CODES, NotConfiguredError, UsageError } from "../errors.js";
import { checkEmail, checkHost, checkPort, checkSecurity } from "../config/fields.js";
import { WEBMAIL_PRESETS, defaultSecurityForPort } from "../providers/presets.js";
import { OWNER_PLACEHOLDER } from "../diagnosis/classify.js";
import { followUpCommand } from "../failures/follow-up.js";
import { redact, redactDeep } from "../diagnosis/redact.js";
import { Transcript } from "../diagnosis/transcript.js";
import type { FailureReport, StageName, StageResult } from "../diagnosis/stages.js";
import type { ProviderFlags } from "../senders/flow.js";
import { ownerJson } from "./setup.js";
import { describeSettings } from "../senders/describe.js";
import { parseOwner, parseTimeoutSeconds, progress, readCaFiles, readPassword, type CommandResult } from "./shared.js";
import { checkDnsServer, dnsServersFromEnv } from "../discovery/env.js";
import { printable } from "../ui/printable.js";
import { writeFileAtomic } from "../util/atomic-file.js";

export interface DiagnoseOptions {
  owner?: Owner;
  adHoc?: ProviderFlags;
  stopAfter?: string;
  send: boolean;
  to?: string;
  /** true: include the transcript in the output; a string: write it to that file. */
  transcript?: boolean | string;
  json: boolean;
  timeout?: string;
  ca?: string[];
  dnsServers?: string[];
}

const USAGE = "mailcfg diagnose company | user <id> | --type webmail|exchange [flags]";

/** The stages of each service type, in the order they run (webmail depends on security). */
const STAGES: Record<ProviderSettings["type"], (s: ProviderSettings) => StageName[]> = {
  webmail: (s) =>
    (s as WebmailSettings).transport === "graph"
      ? ["dns", "tcp", "tls", "api"]
      : (s as WebmailSettings).security === "tls"
      ? ["dns", "tcp", "tls", "greeting", "ehlo", "auth", "mail", "rcpt", "data"]
      : ["dns", "tcp", "greeting", "ehlo", "tls", "auth", "mail", "rcpt", "data"],
  exchange: () => ["settings", "dns", "tcp", "tls", "http", "ews"],
  gmail: () => ["dns", "tcp", "tls", "api"],
};

export function toDiagnoseOptions(target: string | undefined, id: string | undefined, raw: Record<string, unknown>): DiagnoseOptions {
  const adHoc = typeof raw.type === "string" || typeof raw.host === "string" || typeof raw.preset === "string" || typeof raw.ewsUrl === "string";
  if (adHoc === (target !== undefined)) {
    throw new UsageError("Say what to diagnose: company, user <id>, or settings with --type.", `Usage: ${USAGE}`);
  }
  const opts: DiagnoseOptions = { send: raw.send === true, json: raw.json === true };
  if (target !== undefined) opts.owner = parseOwner(target, id, USAGE);
  else opts.adHoc = raw as ProviderFlags;
  if (typeof raw.stopAfter === "string") opts.stopAfter = raw.stopAfter;
  if (typeof raw.to === "string") opts.to = checkEmail(raw.to, "--to");
  if (raw.transcript === true || typeof raw.transcript === "string") opts.transcript = raw.transcript;
  if (typeof raw.timeout === "string") opts.timeout = raw.timeout;
  if (Array.isArray(raw.ca)) opts.ca = raw.ca as string[];
  if (Array.isArray(raw.dnsServer)) opts.dnsServers = (raw.dnsServer as string[]).map((v) => checkDnsServer(v));
  return opts;
}

/** An IP address, optionally with a port: 1.1.1.1, 127.0.0.1:5353, [2001:db8::1]:53. */
interface Subject {
  settings: ProviderSettings;
  secret?: string;
  label: string;
  /** The words that name it again on the command line: "company", "user jdoe", or the ad hoc flags. */
  args: string;
}

export async function runDiagnose(ctx: Context, opts: DiagnoseOptions): Promise<CommandResult> {
  const config = await ctx.config();
  const timeoutMs = parseTimeoutSeconds(opts.timeout, config.settings()["connect-timeout-seconds"]);
  const subject = opts.owner ? await savedSubject(ctx, opts.owner) : await adHocSubject(ctx, opts.adHoc ?? {});
  const s = subject.settings;
  // --ca given now, else the CA files saved with the profile at setup.
  const ca = withExtraCa(readCaFiles(opts.ca ?? s.caFiles), ctx.env);
  const order = STAGES[s.type](s);
  const stopAfter = checkStopAfter(opts, order);
  const secrets = [subject.secret];
  const transcript = new Transcript(secrets, `mailcfg diagnose ${subject.args}: ${describeSettings(s)} at ${ctx.now().toISOString()}`);
  progress(ctx, `diagnosing the ${subject.label}: ${describeSettings(s)}`);

  const common = { timeoutMs, ...(ca ? { ca } : {}), ...(stopAfter ? { stopAfter } : {}), ...dnsOption(opts.dnsServers ?? dnsServersFromEnv(ctx.env)), transcript, now: () => ctx.now() };
  let report: { stages: StageResult[]; failure?: FailureReport; findings: string[]; sent: boolean };
  switch (s.type) {
    case "webmail": {
      if (s.transport === "graph") {
        // Graph: the network path to the Microsoft token endpoint, then the provider's token refresh.
        const { probeGmail } = await import("../diagnosis/probe-http.js");
        const { microsoftEndpoints } = await import("../oauth/microsoft.js");
        const { tokenUrl } = microsoftEndpoints(ctx.env, s.tenant ?? "organizations");
        report = await probeGmail(common, () => providerVerify(ctx, s, subject.secret, timeoutMs, ca), { tokenUrl });
        break;
      }
      const { probeSmtp } = await import("../diagnosis/probe-smtp.js");
      report = await probeSmtp(
        {
          host: s.host,
          port: s.port,
          security: s.security,
          email: s.email,
          ...(s.username ? { username: s.username } : {}),
          ...(s.servername ? { servername: s.servername } : {}),
          ...(subject.secret !== undefined && s.auth !== "oauth2-microsoft" ? { password: subject.secret } : {}),
          ...(opts.to ? { to: opts.to } : {}),
          ...(s.auth === "oauth2-microsoft" ? { oauth: true } : {}),
        },
        { ...common, send: opts.send },
      );
      break;
    }
    case "exchange": {
      const { probeExchange } = await import("../diagnosis/probe-http.js");
      report = await probeExchange(s, subject.secret, common, () => providerVerify(ctx, s, subject.secret, timeoutMs, ca));
      break;
    }
    case "gmail": {
      const { probeGmail } = await import("../diagnosis/probe-http.js");
      // The token endpoint the provider will really use, MAILCFG_GOOGLE_TOKEN_URL included.
      const { googleEndpoints } = await import("../oauth/google.js");
      const { tokenUrl } = googleEndpoints(ctx.env);
      report = await probeGmail(common, () => providerVerify(ctx, s, subject.secret, timeoutMs, ca), { tokenUrl });
      break;
    }
  }

  if (report.failure) {
    // Check again with exactly what was given: the settings (ad hoc), --ca and --timeout.
    const given = { ...(opts.ca ? { caFiles: opts.ca } : {}), ...(opts.timeout ? { timeout: opts.timeout } : {}) };
    const again = followUpCommand("diagnose", opts.owner ? { owner: opts.owner, ...given } : { settings: s, ...given });
    report.failure.check = report.failure.check.replace(`mailcfg diagnose ${OWNER_PLACEHOLDER}`, again).replace(OWNER_PLACEHOLDER, subject.args);
  }
  let transcriptFile: string | undefined;
  if (typeof opts.transcript === "string") {
    transcriptFile = opts.transcript;
    writeTranscript(transcriptFile, transcript.text());
  }

  // A Microsoft 365 profile on a password works today but not for long: say so and name the move.
  const basicAuth = opts.owner ? basicAuthNote(opts.owner, s) : undefined;
  const notes = basicAuth ? [basicAuth.note] : [];
  const move = basicAuth ? { move: basicAuth.command } : {};
  const data: Record<string, unknown> = {
    ...(opts.owner ? { owner: ownerJson(opts.owner) } : { adHoc: true }),
    type: s.type,
    profile: describeSettings(s),
    stages: report.stages,
    failure: report.failure ?? null,
    findings: report.findings,
    notes,
    ...move,
    sent: report.sent,
    ...(transcriptFile ? { transcriptFile } : {}),
    ...(opts.transcript === true ? { transcript: transcript.lines() } : {}),
  };
  const safe = redactDeep(data, secrets);
  if (!opts.json) {
    const text = renderReport(ctx, subject, report, order, transcriptFile, opts.transcript === true ? transcript.text() : undefined, notes);
    ctx.io.out.write(redact(text, secrets));
  }
  return { data: safe, ...(report.failure ? { failed: report.failure.category } : {}) };
}

async function savedSubject(ctx: Context, owner: Owner): Promise<Subject> {
  const config = await ctx.config();
  const profile = config.getProfile(owner);
  if (!profile) throw new NotConfiguredError(`The ${ownerLabel(owner)} is not set up.`, `mailcfg setup ${ownerArgs(owner)}`);
  const secret = await (await ctx.secrets()).get(secretKey(owner, secretKindFor(profile)));
  return { settings: profile, ...(secret !== undefined ? { secret } : {}), label: ownerLabel(owner), args: ownerArgs(owner) };
}

/** Ad hoc settings from flags, checked like setup checks them; the password is optional here. */
async function adHocSubject(ctx: Context, f: ProviderFlags): Promise<Subject> {
  const type = f.type ?? (f.ewsUrl ? "exchange" : "webmail");
  if (type === "gmail") {
    throw new UsageError("A Gmail connection is diagnosed from its saved profile: mailcfg diagnose company | user <id>.", "Connect it first with mailcfg connect-gmail.");
  }
  if (type === "exchange") {
    const ewsUrl = requireFlag(f.ewsUrl, "--ews-url", "e.g. --ews-url https://mail.company.com/EWS/Exchange.asmx");
    let url: URL;
    try {
      url = new URL(ewsUrl);
    } catch {
      throw new UsageError(`--ews-url: "${ewsUrl}" is not a URL; give e.g. https://mail.company.com/EWS/Exchange.asmx.`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`--ews-url: "${ewsUrl}" must start with https://.`);
    const settings: ExchangeSettings = {
      type: "exchange",
      ewsUrl: url.href,
      domain: requireFlag(f.domain, "--domain", "in the form company.com"),
      username: requireFlag(f.username, "--username", "the Exchange user name"),
      email: checkEmail(requireFlag(f.email, "--email", "the mailbox address"), "--email"),
    };
    const secret = await readPassword(ctx, f, ctx.io.canPrompt ? { message: "Email password" } : undefined);
    return { settings, ...(secret !== undefined ? { secret } : {}), label: "ad hoc settings", args: `--type exchange --ews-url ${settings.ewsUrl} --domain ${settings.domain} --username ${settings.username} --email ${settings.email}` };
  }
  if (type !== "webmail") throw new UsageError(`--type: "${type}" is not one of webmail, exchange, gmail.`);
  const preset = f.preset ? WEBMAIL_PRESETS.find((p) => p.id === f.preset) : undefined;
  if (f.preset && !preset) throw new UsageError(`--preset: "${f.preset}" is not one of ${WEBMAIL_PRESETS.map((p) => p.id).join(", ")}.`);
  const host = checkHost(f.host ?? requireFlag(preset?.host, "--host", "the outgoing mail server, e.g. smtp.office365.com"));
  const email = checkEmail(requireFlag(f.email, "--email", "the sender address"), "--email");
  const securityFlag: Security | undefined = f.security !== undefined ? checkSecurity(f.security) : undefined;
  const port = f.port !== undefined ? checkPort(f.port) : securityFlag === "tls" ? 465 : (preset?.port ?? 587);
  const security = securityFlag ?? defaultSecurityForPort(port);
  const settings: WebmailSettings = { type: "webmail", host, port, security, email, auth: "password" };
  if (f.username && f.username !== email) settings.username = f.username;
  if (typeof f.tlsServername === "string") settings.servername = checkHost(f.tlsServername);
  const secret = await readPassword(ctx, f, ctx.io.canPrompt ? { message: "Email password (Enter to skip the login stage)" } : undefined);
  return {
    settings,
    ...(secret ? { secret } : {}),
    label: "ad hoc settings",
    args: `--type webmail --host ${host} --port ${port} --security ${security} --email ${email}`,
  };
}

function requireFlag(value: string | undefined, flag: string, what: string): string {
  if (!value) throw new UsageError(`Missing ${flag} (${what}).`, `Usage: ${USAGE}`);
  return value;
}

function checkStopAfter(opts: DiagnoseOptions, order: StageName[]): StageName | undefined {
  const stop = opts.stopAfter;
  if (stop === undefined) return undefined;
  if (!(order as string[]).includes(stop)) {
    throw new UsageError(`--stop-after: "${stop}" is not a stage here; the stages are ${order.join(", ")}.`);
  }
  if (stop === "data" && !opts.send) throw new UsageError("--stop-after data sends a test message: add --send to say so.");
  return stop as StageName;
}

/** --dns-server, else the test rig's MAILCFG_DNS_SERVERS, else the system resolver. */
function dnsOption(servers: string[] | undefined): { dnsServers?: string[] } {
  return servers ? { dnsServers: servers } : {};
}

/** --ca replaces the trusted set for our own TLS; keep NODE_EXTRA_CA_CERTS in it too. */
function withExtraCa(ca: string[] | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  if (!ca) return undefined;
  const extra = env.NODE_EXTRA_CA_CERTS;
  if (!extra) return ca;
  try {
    return [...ca, readFileSync(extra, "utf8")];
  } catch {
    return ca;
  }
}

/** The provider's own read-only check, loaded only here (the Exchange and Gmail clients are heavy). */
async function providerVerify(ctx: Context, settings: ProviderSettings, secret: string | undefined, timeoutMs: number, ca: string[] | undefined): Promise<{ summary: string }> {
  const { createProvider } = await import("../providers/index.js");
  const provider = await createProvider({ settings, ...(secret !== undefined ? { secret } : {}), options: { timeoutMs, ...(ca ? { ca } : {}) }, env: ctx.env });
  try {
    const evidence = await provider.verify();
    return { summary: evidence.summary };
  } finally {
    await provider.close().catch(() => undefined);
  }
}

/** The transcript file: whole or not at all, readable only by its owner (it names the servers and logins). */
function writeTranscript(file: string, text: string): void {
  try {
    writeFileAtomic(file, text, 0o600);
  } catch (err) {
    throw new UsageError(`--transcript ${file}: cannot write the file (${(err as NodeJS.ErrnoException).code ?? "error"}).`);
  }
}

const MARK = { passed: "✓", failed: "✗", skipped: "-" } as const;

function renderReport(
  ctx: Context,
  subject: Subject,
  report: { stages: StageResult[]; failure?: FailureReport; findings: string[]; sent: boolean },
  order: StageName[],
  transcriptFile: string | undefined,
  transcriptText: string | undefined,
  notes: string[],
): string {
  const t = ctx.theme;
  const lines: string[] = [];
  lines.push(t.bold(`Diagnosing the ${subject.label}: ${describeSettings(subject.settings)}`));
  const width = Math.max(...order.map((n) => n.length));
  for (const r of report.stages) {
    const mark = r.status === "passed" ? t.ok(MARK.passed) : r.status === "failed" ? t.bad(MARK.failed) : t.dim(MARK.skipped);
    const time = r.status === "skipped" ? "" : `${r.ms} ms`;
    lines.push(`  ${mark} ${r.stage.padEnd(width)} ${time.padStart(8)}  ${r.status === "skipped" ? t.dim(printable(r.summary)) : printable(r.summary)}`);
    for (const w of r.warnings ?? []) lines.push(`  ${" ".repeat(width + 12)}${t.warn("warning")}: ${printable(w)}`);
  }
  lines.push("");
  const f = report.failure;
  if (f) {
    if (f.productMessage) lines.push(t.dim(`The product shows: "${f.productMessage}"`));
    lines.push(`${t.bad("✗")} The ${f.stage} stage failed [${f.category}, exit code ${EXIT_CODES[f.category]}]${f.provider ? ` (${f.provider})` : ""}`);
    // The server's own words (a greeting, a reply) are shown, never obeyed by the terminal.
    lines.push(`  cause: ${printable(f.cause)}`);
    lines.push(`  evidence: ${printable(f.evidence.replace(/\n/g, " | "))}`);
    if (f.code) lines.push(`  code: ${f.code}${f.meanings.find((m) => m.code === f.code) ? ` (${f.meanings.find((m) => m.code === f.code)?.meaning})` : ""}`);
    for (const finding of report.findings) lines.push(`  found: ${printable(finding)}`);
    lines.push("  fix:");
    f.fix.forEach((step, i) => lines.push(`    ${i + 1}. ${step}`));
    lines.push(`  check again: ${t.cmd(f.check)}`);
  } else {
    const last = [...report.stages].reverse().find((r) => r.status === "passed");
    lines.push(`${t.ok("✓")} Every stage that ran passed${last ? ` (up to ${last.stage})` : ""}.` + (report.sent ? " A test message was sent." : " No mail was sent" + (subject.settings.type === "webmail" && subject.settings.transport !== "graph" ? " (add --send to send a test message)." : ".")));
    for (const finding of report.findings) lines.push(`  found: ${finding}`);
  }
  for (const n of notes) lines.push(`${t.warn("note")}: ${n}`);
  if (transcriptFile) lines.push(t.dim(`Transcript (secrets masked) written to ${transcriptFile}.`));
  if (transcriptText) lines.push("", t.bold("Transcript (secrets masked):"), transcriptText.trimEnd());
  return lines.join("\n") + "\n";
}
