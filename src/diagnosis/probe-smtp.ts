import { isIP } from "node:net";
import type { Security } from "../config/types.js";
import { classify } from "../failures/classify.js";
import { recognizeProvider } from "./classify.js";
import type { FailureFacts, UsedSettings } from "../failures/facts.js";
import type { Verdict } from "../failures/verdict.js";
import { didYouMean, lookupAddresses, mailDomainFacts, needsDns } from "./dns-facts.js";
import { SmtpWire, WireError, describeCapabilities, parseEhlo, type Capabilities, type Reply } from "./smtp-wire.js";
import { StageFailure, StageRunner, failureReport, firstLine, type FailureReport, type StageName, type StageResult } from "./stages.js";
import { describeTls, handshakeError, tlsFacts, type TlsFacts } from "./tls-facts.js";
import type { Transcript } from "./transcript.js";

/** The SMTP settings under test. The password is used for AUTH and masked everywhere else. */
export interface SmtpTarget {
  host: string;
  port: number;
  security: Security;
  email: string;
  username?: string;
  password?: string;
  /** RCPT TO; the profile's own address when unset. */
  to?: string;
  /** An OAuth profile: its XOAUTH2 login is not probed here. */
  oauth?: boolean;
  /** The name the certificate is checked against, when the host is an IP address. */
  servername?: string;
}

export interface ProbeOptions {
  timeoutMs: number;
  ca?: string[];
  /** Stop after this stage; by default after RCPT TO (no mail is sent). */
  stopAfter?: StageName;
  /** Send DATA (a short test message). */
  send: boolean;
  transcript: Transcript;
  now: () => Date;
  dnsServers?: string[];
  /** Probe other settings when a stage fails, to say what does work (default true). */
  alternatives?: boolean;
  /** The name given in EHLO. */
  ehloName?: string;
}

export interface ProbeReport {
  stages: StageResult[];
  failure?: FailureReport;
  /** What probing other settings found: what does work, or what does not either. */
  findings: string[];
  sent: boolean;
  tls?: TlsFacts;
  capabilities?: Capabilities;
  capabilitiesAfterTls?: Capabilities;
  greeting?: string;
}

/** The stages in the order they run for a security setting. */
export function smtpStageOrder(security: Security): StageName[] {
  return security === "tls"
    ? ["dns", "tcp", "tls", "greeting", "ehlo", "auth", "mail", "rcpt", "data"]
    : ["dns", "tcp", "greeting", "ehlo", "tls", "auth", "mail", "rcpt", "data"];
}

/**
 * Runs the SMTP stages one by one over a connection of our own: DNS, TCP, TLS (implicit
 * or STARTTLS), greeting, EHLO, AUTH, MAIL FROM, RCPT TO and, only with `send`, DATA.
 * When a stage fails it is classified like `explain` does, and for the common mismatches
 * other settings are probed to say what does work. Alternatives are only ever as secure
 * or more secure than the setting under test: the password never goes out unencrypted
 * because of a probe.
 */
export async function probeSmtp(t: SmtpTarget, o: ProbeOptions): Promise<ProbeReport> {
  const tr = o.transcript;
  const timeout = o.timeoutMs;
  const stopAfter = o.stopAfter ?? (o.send ? "data" : "rcpt");
  const settings: UsedSettings = {
    type: "webmail",
    host: t.host,
    port: t.port,
    security: t.security,
    auth: t.oauth ? "oauth2-microsoft" : "password",
    email: t.email,
    ...(t.username ? { username: t.username } : {}),
    ...(o.ca ? { ca: true } : {}),
  };
  const runner = new StageRunner(stopAfter, (stage) => (stage === "data" && !o.send ? "not run: no mail is sent without --send" : undefined), settings);
  const report: ProbeReport = { stages: runner.results, findings: [], sent: false };
  const servername = t.servername ?? (isIP(t.host) ? undefined : t.host);
  const tlsOptions = { ...(servername ? { servername } : {}), ...(o.ca ? { ca: o.ca } : {}) };
  const login = t.username ?? t.email;
  let wire: SmtpWire | undefined;
  let connectHost = t.host;

  const handshake = async (): Promise<{ summary: string; details: Record<string, unknown>; warnings: string[] }> => {
    if (!wire) throw new Error("no connection");
    let secured;
    try {
      secured = await wire.startTls(servername ?? t.host, timeout, tlsOptions);
    } catch (err) {
      const h = handshakeError(err);
      throw new StageFailure(h.text, h.summary, { evidence: h.evidence });
    }
    const facts = tlsFacts(secured, servername ?? t.host, o.now());
    report.tls = facts;
    tr.event(`TLS established: ${describeTls(facts)}`);
    const details = facts as unknown as Record<string, unknown>;
    if (facts.problem) {
      throw new StageFailure(`${facts.problem.code}: ${facts.problem.message}`, describeTls(facts), { details, evidence: `${facts.problem.code}: ${facts.problem.message}` });
    }
    const warnings = facts.daysLeft < 14 ? [`the certificate expires in ${facts.daysLeft} days`] : [];
    return { summary: describeTls(facts), details, warnings };
  };

  const ehlo = async (): Promise<Capabilities> => {
    if (!wire) throw new Error("no connection");
    const reply = await wire.command(`EHLO ${o.ehloName ?? "mailcfg.invalid"}`, timeout);
    if (reply.code !== 250) throw replyFailure(reply, "EHLO");
    return parseEhlo(reply);
  };

  try {
    await runner.run("dns", async () => {
      if (!needsDns(t.host)) return { skipped: true, summary: `not needed: ${t.host} is ${isIP(t.host) ? "an IP address" : "this computer"}` };
      const dnsOptions = { timeoutMs: timeout, ...(o.dnsServers ? { servers: o.dnsServers } : {}) };
      const addresses = await lookupAddresses(t.host, dnsOptions);
      if (o.dnsServers && addresses[0]) connectHost = addresses[0];
      const domain = t.email.split("@")[1] ?? "";
      const facts = domain ? await mailDomainFacts(domain, dnsOptions) : undefined;
      const warnings: string[] = [];
      const hostProvider = recognizeProvider(t.host);
      if (facts?.provider && facts.provider.submissionHost !== t.host && !(hostProvider && facts.provider.name.startsWith(hostProvider.split(" ")[0] ?? "-"))) {
        warnings.push(
          `${domain}'s mail is handled by ${facts.provider.name} (MX ${facts.mx[0]?.exchange ?? "?"}), whose submission server is ${facts.provider.submissionHost}, but the server set here is ${t.host}`,
        );
      }
      const srv = facts?.submission.map((s) => `${s.name}:${s.port}${s.implicitTls ? " (implicit TLS)" : " (STARTTLS)"}`) ?? [];
      const mx = facts?.mx.map((m) => m.exchange) ?? [];
      const hint = [mx.length > 0 ? `MX of ${domain}: ${mx.slice(0, 3).join(", ")}` : "", srv.length > 0 ? `submission SRV: ${srv.join(", ")}` : ""].filter(Boolean).join("; ");
      return {
        summary: `${t.host} -> ${addresses.join(", ")}${hint ? `; ${hint}` : ""}`,
        details: { addresses, ...(facts ? { mailDomain: domain, mx: facts.mx, submissionSrv: facts.submission, ...(facts.provider ? { mxProvider: facts.provider } : {}) } : {}) },
        warnings,
      };
    });

    await runner.run("tcp", async () => {
      wire = await SmtpWire.connect(connectHost, t.port, timeout, tr);
      return { summary: `connected to ${wire.remoteAddress}`, details: { remote: wire.remoteAddress } };
    });

    if (t.security === "tls") await runner.run("tls", handshake);

    await runner.run("greeting", async () => {
      if (!wire) throw new Error("no connection");
      let reply: Reply;
      try {
        reply = await wire.read(timeout, "the greeting");
      } catch (err) {
        if (err instanceof WireError && err.code === "ETIMEDOUT") {
          throw new StageFailure(`Greeting never received (ETIMEDOUT): ${err.message}`, `no greeting: ${err.message}`);
        }
        throw err;
      }
      report.greeting = reply.raw;
      if (reply.code !== 220) throw replyFailure(reply, "the greeting");
      return { summary: firstLine(reply.raw) };
    });

    await runner.run("ehlo", async () => {
      const caps = await ehlo();
      report.capabilities = caps;
      return { summary: describeCapabilities(caps), details: { capabilities: caps } };
    });

    if (t.security !== "tls") {
      await runner.run("tls", async () => {
        if (t.security === "none") return { skipped: true, summary: "not used: security is none, the connection stays unencrypted" };
        if (!wire) throw new Error("no connection");
        if (!report.capabilities?.starttls) {
          throw new StageFailure(`The server does not offer STARTTLS on port ${t.port}`, `the server does not offer STARTTLS on port ${t.port}`);
        }
        const reply = await wire.command("STARTTLS", timeout);
        if (reply.code !== 220) throw replyFailure(reply, "STARTTLS");
        const done = await handshake();
        const caps = await ehlo();
        report.capabilitiesAfterTls = caps;
        return { summary: `${done.summary}; after TLS: ${describeCapabilities(caps)}`, details: { ...done.details, capabilitiesAfterTls: caps }, warnings: done.warnings };
      });
    }

    await runner.run("auth", async () => {
      if (!wire) throw new Error("no connection");
      const caps = report.capabilitiesAfterTls ?? report.capabilities;
      if (t.oauth) return { skipped: true, summary: "not probed: this profile signs in with OAuth (XOAUTH2); mailcfg validate checks that sign-in" };
      if (!caps || caps.auth.length === 0) {
        if (t.security === "none" && caps?.starttls) {
          throw new StageFailure("The server does not offer AUTH before STARTTLS (no AUTH without TLS)", "the server offers no AUTH on the unencrypted connection (it offers STARTTLS)");
        }
        return { skipped: true, summary: "not possible: the server offers no AUTH; it may accept mail by IP address (watch MAIL FROM and RCPT TO)", warnings: ["the server offers no login (AUTH)"] };
      }
      if (t.password === undefined) return { skipped: true, summary: `not run: no password given (the server offers AUTH ${caps.auth.join(" ")})` };
      const reply = await authenticate(wire, caps.auth, login, t.password, timeout);
      return { summary: `logged in as ${login} (AUTH ${reply.mechanism}): ${firstLine(reply.reply.raw)}`, details: { mechanism: reply.mechanism, user: login } };
    });

    const to = t.to ?? t.email;
    await runner.run("mail", async () => {
      if (!wire) throw new Error("no connection");
      const reply = await wire.command(`MAIL FROM:<${t.email}>`, timeout);
      if (reply.code !== 250) throw replyFailure(reply, "MAIL FROM");
      return { summary: `sender ${t.email} accepted: ${firstLine(reply.raw)}` };
    });

    await runner.run("rcpt", async () => {
      if (!wire) throw new Error("no connection");
      const reply = await wire.command(`RCPT TO:<${to}>`, timeout);
      if (reply.code !== 250 && reply.code !== 251) throw replyFailure(reply, "RCPT TO");
      return { summary: `recipient ${to} accepted: ${firstLine(reply.raw)}` };
    });

    await runner.run("data", async () => {
      if (!wire) throw new Error("no connection");
      const go = await wire.command("DATA", timeout);
      if (go.code !== 354) throw replyFailure(go, "DATA");
      const message = testMessage(t.email, to, o.now());
      wire.sendRaw(message, `(test message: ${message.split("\r\n").length} lines, ${Buffer.byteLength(message)} bytes, ending with ".")`);
      const done = await wire.read(timeout * 2, "the reply to the message");
      if (done.code !== 250) throw replyFailure(done, "the message (DATA)");
      report.sent = true;
      return { summary: `test message accepted: ${firstLine(done.raw)}` };
    });
  } finally {
    if (wire) {
      if (runner.failure) wire.destroy();
      else await wire.close(Math.min(timeout, 2000));
    }
  }

  if (runner.failure) {
    const f = runner.failure;
    let c = f.classification;
    if (o.alternatives !== false) {
      const found = await explore(f.stage, c, t, o, report);
      report.findings.push(...found.findings);
      // What the probes found are facts too: the failure model decides again with them.
      if (found.facts) c = classify({ facts: { ...f.facts, ...found.facts }, text: f.text });
    }
    report.failure = failureReport(f.stage, c, f.evidence);
  }
  return report;
}

/** AUTH PLAIN (preferred) or LOGIN; the transcript shows the mechanism, never the payload. */
async function authenticate(wire: SmtpWire, offered: string[], user: string, password: string, timeoutMs: number): Promise<{ mechanism: string; reply: Reply }> {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  if (offered.includes("PLAIN")) {
    const reply = await wire.command(`AUTH PLAIN ${b64(`\0${user}\0${password}`)}`, timeoutMs, "AUTH PLAIN **** (user name and password, base64)");
    if (reply.code !== 235) throw replyFailure(reply, "AUTH PLAIN");
    return { mechanism: "PLAIN", reply };
  }
  if (offered.includes("LOGIN")) {
    let reply = await wire.command("AUTH LOGIN", timeoutMs);
    if (reply.code !== 334) throw replyFailure(reply, "AUTH LOGIN");
    reply = await wire.command(b64(user), timeoutMs, "**** (user name, base64)");
    if (reply.code !== 334) throw replyFailure(reply, "AUTH LOGIN");
    reply = await wire.command(b64(password), timeoutMs, "**** (password, base64)");
    if (reply.code !== 235) throw replyFailure(reply, "AUTH LOGIN");
    return { mechanism: "LOGIN", reply };
  }
  throw new StageFailure(
    `No supported authentication mechanism: the server offers AUTH ${offered.join(" ")}, mailcfg logs in with PLAIN or LOGIN`,
    `the server offers AUTH ${offered.join(" ")} only; no PLAIN or LOGIN`,
  );
}

function replyFailure(reply: Reply, what: string): StageFailure {
  return new StageFailure(reply.raw, `refused at ${what}: ${reply.raw.replace(/\n/g, " | ")}`, { evidence: reply.raw });
}

/** A short, plainly labelled test message, dot-stuffed and ending with the lone dot. */
function testMessage(from: string, to: string, now: Date): string {
  const lines = [
    `From: <${from}>`,
    `To: <${to}>`,
    `Subject: mailcfg diagnose test message`,
    `Date: ${now.toUTCString()}`,
    `Message-ID: <diagnose-${now.getTime()}@mailcfg.invalid>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `This message was sent by mailcfg diagnose --send to check that ${from} can send mail.`,
    "No action is needed.",
  ];
  return lines.map((l) => (l.startsWith(".") ? "." + l : l)).join("\r\n") + "\r\n.\r\n";
}

interface Exploration {
  findings: string[];
  /** What the probes learnt about the server, for the failure model. */
  facts?: Pick<FailureFacts, "implicitTls" | "works">;
}

function securityName(s: Security): string {
  return s === "tls" ? "implicit TLS" : s === "starttls" ? "STARTTLS" : "no encryption";
}

/** Runs the same probe with other settings, up to AUTH, marked as a probe in the transcript. */
async function trial(t: SmtpTarget, o: ProbeOptions, change: Partial<SmtpTarget>, label: string, stopAfter: StageName = "auth"): Promise<ProbeReport> {
  const shorter = Math.min(o.timeoutMs, 5000);
  return o.transcript.section(label, () => probeSmtp({ ...t, ...change }, { ...o, timeoutMs: shorter, stopAfter, send: false, alternatives: false }));
}

/** How far a trial got, in words: "the login succeeds", "it then fails at auth: 535 ...". */
function trialOutcome(r: ProbeReport, setting: string): string {
  if (!r.failure) {
    const auth = r.stages.find((s) => s.stage === "auth");
    if (auth?.status === "passed") return `; with ${setting} the login succeeds`;
    return `; with ${setting} the connection works up to ${r.stages.filter((s) => s.status === "passed").pop()?.stage ?? "the start"}`;
  }
  return `; with ${setting} it then fails at ${r.failure.stage}: ${firstLine(r.failure.evidence)}`;
}

/** For the common mismatches, probes the alternatives and says what does work. */
async function explore(stage: StageName, c: Verdict, t: SmtpTarget, o: ProbeOptions, report: ProbeReport): Promise<Exploration> {
  const port = t.port;
  const facts = report.tls;

  // A certificate the client refuses: say what it is for, who issued it, when it ended.
  if (stage === "tls" && facts?.problem) {
    const findings: string[] = [];
    if (!facts.nameMatches) {
      const dnsNames = facts.names.filter((n) => isIP(n) === 0);
      findings.push(`the certificate is for ${facts.names.join(", ") || facts.subject}, not ${t.host}` + (dnsNames[0] ? `: set the host to ${dnsNames[0]}` : ""));
    }
    if (facts.daysLeft < 0) findings.push(`the certificate expired on ${facts.validTo} (${-facts.daysLeft} days ago): the server's administrator must renew it`);
    if (!facts.trusted && facts.daysLeft >= 0) {
      findings.push(`the certificate was issued by ${facts.issuer || "an unknown issuer"}, which this computer does not trust: if that is your organisation's own CA, pass its certificate with --ca <file>`);
    }
    return { findings };
  }

  // Implicit TLS on a port that speaks plain text first.
  if (stage === "tls" && t.security === "tls") {
    const r = await trial(t, o, { security: "starttls" }, `port ${port} in plain text with STARTTLS`);
    const greeted = r.stages.find((s) => s.stage === "greeting")?.status === "passed";
    if (greeted && r.capabilities?.starttls) {
      return {
        findings: [`port ${port} answers in plain text and offers STARTTLS; you chose implicit TLS: set security to starttls` + trialOutcome(r, "--security starttls")],
        facts: { works: { port, security: "starttls" } },
      };
    }
    if (greeted) {
      return { findings: [`port ${port} answers in plain text and offers no STARTTLS; you chose implicit TLS: this port has no encryption; use port 587 with starttls or 465 with tls`] };
    }
    return { findings: [`port ${port} answers neither a TLS handshake nor with a plain SMTP greeting: check the host and port`] };
  }

  // No greeting in plain text: maybe the port expects implicit TLS (465).
  if (stage === "greeting" && t.security !== "tls" && c.rowId === "greeting-timeout") {
    const r = await trial(t, o, { security: "tls" }, `port ${port} with implicit TLS`);
    const greeted = r.stages.find((s) => s.stage === "greeting")?.status === "passed";
    if (greeted) {
      return {
        findings: [`port ${port} expects implicit TLS: it completed a TLS handshake and greeted (${firstLine(r.greeting ?? "")}); you chose ${securityName(t.security)}: set security to tls` + trialOutcome(r, "--security tls")],
        facts: { implicitTls: true },
      };
    }
    return { findings: [`port ${port} accepts connections but sends no SMTP greeting, in plain text or over TLS: it may not be a mail server, or it is overloaded`] };
  }

  // STARTTLS chosen but not offered: implicit TLS on this port, or on 465.
  if (stage === "tls" && t.security === "starttls" && report.capabilities && !report.capabilities.starttls) {
    const ports = port === 465 ? [465] : [port, 465];
    for (const p of ports) {
      const r = await trial(t, o, { security: "tls", port: p }, `port ${p} with implicit TLS`);
      if (r.stages.find((s) => s.stage === "greeting")?.status === "passed") {
        return {
          findings: [`port ${p} accepts implicit TLS and greets; set --port ${p} --security tls` + trialOutcome(r, `--port ${p} --security tls`)],
          facts: { works: { port: p, security: "tls" } },
        };
      }
    }
    return { findings: [`the server offers no STARTTLS on port ${port} and no implicit TLS on ${ports.join(" or ")}: it cannot protect the password; ask the provider for its submission port`] };
  }

  // Login refused because the connection is not encrypted, or AUTH hidden before TLS.
  if (stage === "auth" && t.security === "none" && (c.rowId === "starttls-required" || c.rowId === "auth-not-offered" || /STARTTLS/i.test(c.cause))) {
    const r = await trial(t, o, { security: "starttls" }, `port ${port} with STARTTLS`);
    const authAfterTls = r.capabilitiesAfterTls?.auth ?? [];
    if (authAfterTls.length > 0) {
      return {
        findings: [`the server offers AUTH only after STARTTLS; you chose no encryption: set security to starttls` + trialOutcome(r, "--security starttls")],
        facts: { works: { port, security: "starttls" } },
      };
    }
    return { findings: [] };
  }

  // Nothing answers: try the usual submission ports.
  if (stage === "tcp" && (c.rowId === "connection-refused" || c.rowId === "timeout" || c.rowId === "host-unreachable")) {
    const findings: string[] = [];
    const usual: Array<{ port: number; security: Security }> = [
      { port: 587, security: "starttls" },
      { port: 465, security: "tls" },
    ];
    const alternatives = usual.filter((a) => a.port !== port);
    for (const alt of alternatives) {
      const r = await trial(t, o, alt, `port ${alt.port} with ${securityName(alt.security)}`, "ehlo");
      if (r.stages.find((s) => s.stage === "greeting")?.status === "passed") {
        const offers = alt.security === "starttls" ? (r.capabilities?.starttls ? " and offers STARTTLS" : " (without STARTTLS)") : " with implicit TLS";
        findings.push(`port ${alt.port} answers${offers}: use --port ${alt.port} --security ${alt.security}`);
      }
    }
    if (findings.length === 0 && alternatives.length > 0) findings.push(`ports ${alternatives.map((a) => a.port).join(" and ")} do not answer either: check the host name and any firewall`);
    return { findings };
  }

  if (stage === "dns") {
    const guess = didYouMean(t.host);
    return { findings: guess ? [`${t.host} does not resolve; did you mean ${guess}?`] : [] };
  }

  return { findings: [] };
}
