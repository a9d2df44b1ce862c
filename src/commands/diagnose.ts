import { basicAuthNote } from "../providers/microsoft-basic-auth.js";
import { readFileSync } from "node:fs";
import type { Context } from "../context.js";
import type { ExchangeSettings, GmailSettings, Owner, ProviderSettings, Security, WebmailSettings } from "../config/types.js";
import { ownerArgs, ownerJson, ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import { kindRow, senderKind, type SenderKind } from "../config/sender-kinds.js";
import { NotConfiguredError, UsageError } from "../errors.js";
import { checkEmail, checkHost, checkPort, checkSecurity } from "../config/fields.js";
import { WEBMAIL_PRESETS, defaultSecurityForPort } from "../providers/presets.js";
import { OWNER_PLACEHOLDER } from "../diagnosis/classify.js";
import { followUpCommand } from "../failures/follow-up.js";
import { redact, redactDeep } from "../diagnosis/redact.js";
import { Transcript } from "../diagnosis/transcript.js";
import type { StageName } from "../diagnosis/stages.js";
import type { ProviderFlags } from "../senders/flow.js";
import type { HttpProbeOptions, ProviderCheck } from "../diagnosis/probe-http.js";
import type { DiagnoseInput } from "../cli/diagnose.js";
import { describeSettings } from "../senders/describe.js";
import { parseOwner, parseTimeoutSeconds, progress, readCaFiles, readPassword, type CommandResult } from "./shared.js";
import { checkDnsServer, dnsServersFromEnv } from "../discovery/env.js";
import { renderDiagnosis, type DiagnosisReport } from "../ui/diagnose-report.js";
import { writeFileAtomic } from "../util/atomic-file.js";

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

/** The target and the flags diagnose checks itself, at once, before any connection (the provider flags are checked as the settings are read). */
interface Checked {
  /** A saved profile's owner; undefined: ad hoc settings from the provider flags. */
  owner?: Owner;
  to?: string;
  dnsServers?: string[];
}

function checkInput(input: DiagnoseInput): Checked {
  const adHoc = input.type !== undefined || input.host !== undefined || input.preset !== undefined || input.ewsUrl !== undefined;
  if (adHoc === (input.target !== undefined)) {
    throw new UsageError("Say what to diagnose: company, user <id>, or settings with --type.", `Usage: ${USAGE}`);
  }
  return {
    ...(input.target !== undefined ? { owner: parseOwner(input.target, input.id, USAGE) } : {}),
    ...(input.to !== undefined ? { to: checkEmail(input.to, "--to") } : {}),
    ...(input.dnsServer ? { dnsServers: input.dnsServer.map((v) => checkDnsServer(v)) } : {}),
  };
}

/** What is diagnosed: a saved profile or ad hoc settings, with its secret if known. */
interface Subject {
  settings: ProviderSettings;
  secret?: string;
  label: string;
  /** The words that name it again on the command line: "company", "user jdoe", or the ad hoc flags. */
  args: string;
}

export async function runDiagnose(ctx: Context, input: DiagnoseInput): Promise<CommandResult> {
  const { owner, to, dnsServers } = checkInput(input);
  const config = await ctx.config();
  const timeoutMs = parseTimeoutSeconds(input.timeout, config.settings()["connect-timeout-seconds"]);
  const subject = owner ? await savedSubject(ctx, owner) : await adHocSubject(ctx, input);
  const s = subject.settings;
  // --ca given now, else the CA files saved with the profile at setup.
  const ca = withExtraCa(readCaFiles(input.ca ?? s.caFiles), ctx.env);
  const order = STAGES[s.type](s);
  const stopAfter = checkStopAfter(input, order);
  const transcript = new Transcript([subject.secret], `mailcfg diagnose ${subject.args}: ${describeSettings(s)} at ${ctx.now().toISOString()}`);
  progress(ctx, `diagnosing the ${subject.label}: ${describeSettings(s)}`);

  const common = { timeoutMs, ...(ca ? { ca } : {}), ...(stopAfter ? { stopAfter } : {}), ...dnsOption(dnsServers ?? dnsServersFromEnv(ctx.env)), transcript, now: () => ctx.now() };
  const verify = () => providerVerify(ctx, s, subject.secret, timeoutMs, ca);
  const report = await probe(ctx, subject, common, { send: input.send, ...(to ? { to } : {}) }, verify);
  if (report.failure) {
    // Check again with exactly what was given: the settings (ad hoc), --ca and --timeout.
    const given = { ...(input.ca ? { caFiles: input.ca } : {}), ...(input.timeout ? { timeout: input.timeout } : {}) };
    const again = followUpCommand("diagnose", owner ? { owner, ...given } : { settings: s, ...given });
    report.failure.check = report.failure.check.replace(`mailcfg diagnose ${OWNER_PLACEHOLDER}`, again).replace(OWNER_PLACEHOLDER, subject.args);
  }
  if (typeof input.transcript === "string") writeTranscript(input.transcript, transcript.text());
  return present(ctx, input, owner, subject, report, order, transcript);
}

interface ProbeRun {
  ctx: Context;
  subject: Subject;
  common: HttpProbeOptions;
  smtp: { send: boolean; to?: string };
  verify: ProviderCheck;
}

/** The stages each kind of sender is diagnosed with. */
const PROBES: Record<SenderKind, (run: ProbeRun) => Promise<DiagnosisReport>> = {
  smtp: probeOverSmtp,
  "microsoft-smtp": probeOverSmtp,
  "microsoft-graph": probeTokenThenApi,
  gmail: probeTokenThenApi,
  exchange: async ({ subject, common, verify }) => {
    const { probeExchange } = await import("../diagnosis/probe-http.js");
    return probeExchange(subject.settings as ExchangeSettings, subject.secret, common, verify);
  },
};

/** Runs the stages of the subject's kind of sender. */
function probe(ctx: Context, subject: Subject, common: HttpProbeOptions, smtp: { send: boolean; to?: string }, verify: ProviderCheck): Promise<DiagnosisReport> {
  return PROBES[senderKind(subject.settings)]({ ctx, subject, common, smtp, verify });
}

/**
 * Gmail and Graph: the network path to the token endpoint the provider will really use
 * (MAILCFG_GOOGLE_TOKEN_URL and the like included), then the provider's token refresh.
 */
async function probeTokenThenApi({ ctx, subject, common, verify }: ProbeRun): Promise<DiagnosisReport> {
  const { probeGmail } = await import("../diagnosis/probe-http.js");
  return probeGmail(common, verify, { tokenUrl: await tokenUrlOf(ctx, subject.settings as GmailSettings | WebmailSettings) });
}

/** SMTP, with a password or with XOAUTH2: every stage from DNS to RCPT (and DATA with --send). */
async function probeOverSmtp({ subject, common, smtp }: ProbeRun): Promise<DiagnosisReport> {
  const s = subject.settings as WebmailSettings;
  const { probeSmtp } = await import("../diagnosis/probe-smtp.js");
  const oauth = s.auth === "oauth2-microsoft";
  return probeSmtp(
    {
      host: s.host,
      port: s.port,
      security: s.security,
      email: s.email,
      ...(s.username ? { username: s.username } : {}),
      ...(s.servername ? { servername: s.servername } : {}),
      ...(subject.secret !== undefined && !oauth ? { password: subject.secret } : {}),
      ...(smtp.to ? { to: smtp.to } : {}),
      ...(oauth ? { oauth: true } : {}),
    },
    { ...common, send: smtp.send },
  );
}

/** The token endpoint of a Gmail or Microsoft Graph connection. */
async function tokenUrlOf(ctx: Context, s: GmailSettings | WebmailSettings): Promise<string> {
  if (kindRow(s).signIn === "google") return (await import("../oauth/google.js")).googleEndpoints(ctx.env).tokenUrl;
  return (await import("../oauth/microsoft.js")).microsoftEndpoints(ctx.env, (s as WebmailSettings).tenant ?? "organizations").tokenUrl;
}

/** The report as data (secrets masked) and, without --json, as text. */
function present(ctx: Context, input: DiagnoseInput, owner: Owner | undefined, subject: Subject, report: DiagnosisReport, order: StageName[], transcript: Transcript): CommandResult {
  const s = subject.settings;
  const secrets = [subject.secret];
  const transcriptFile = typeof input.transcript === "string" ? input.transcript : undefined;
  // A Microsoft 365 profile on a password works today but not for long: say so and name the move.
  const basicAuth = owner ? basicAuthNote(owner, s) : undefined;
  const notes = basicAuth ? [basicAuth.note] : [];
  const data: Record<string, unknown> = {
    ...(owner ? { owner: ownerJson(owner) } : { adHoc: true }),
    type: s.type,
    profile: describeSettings(s),
    stages: report.stages,
    failure: report.failure ?? null,
    findings: report.findings,
    notes,
    ...(basicAuth ? { move: basicAuth.command } : {}),
    sent: report.sent,
    ...(transcriptFile ? { transcriptFile } : {}),
    ...(input.transcript === true ? { transcript: transcript.lines() } : {}),
  };
  if (!input.json) {
    const text = renderDiagnosis(ctx.theme, subject, report, order, transcriptFile, input.transcript === true ? transcript.text() : undefined, notes);
    ctx.io.out.write(redact(text, secrets));
  }
  return { data: redactDeep(data, secrets), ...(report.failure ? { failed: report.failure.category } : {}) };
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

function checkStopAfter(input: DiagnoseInput, order: StageName[]): StageName | undefined {
  const stop = input.stopAfter;
  if (stop === undefined) return undefined;
  if (!(order as string[]).includes(stop)) {
    throw new UsageError(`--stop-after: "${stop}" is not a stage here; the stages are ${order.join(", ")}.`);
  }
  if (stop === "data" && !input.send) throw new UsageError("--stop-after data sends a test message: add --send to say so.");
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
