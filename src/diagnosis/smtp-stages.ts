import { isIP } from "node:net";
import type { Security } from "../config/types.js";
import { recognizeProvider } from "./classify.js";
import { lookupAddresses, mailDomainFacts, needsDns, type MailDomainFacts } from "./dns-facts.js";
import type { ProbeOptions, ProbeReport, SmtpTarget } from "./smtp-probe-types.js";
import { SmtpWire, WireError, describeCapabilities, parseEhlo, type Capabilities, type Reply } from "./smtp-wire.js";
import { StageFailure, firstLine, type StageName, type StageOutcome } from "./stages.js";
import { describeTls, handshakeError, tlsFacts } from "./tls-facts.js";

/** One probe's connection and what it has seen so far, shared by its stages. */
export interface SmtpSession {
  readonly t: SmtpTarget;
  readonly o: ProbeOptions;
  readonly report: ProbeReport;
  /** The name the certificate is checked against: none for a bare IP address. */
  readonly servername: string | undefined;
  wire?: SmtpWire;
  /** Where TCP connects: the host, or its first address when DNS servers were given. */
  connectHost: string;
}

export function openSession(t: SmtpTarget, o: ProbeOptions, report: ProbeReport): SmtpSession {
  return { t, o, report, servername: t.servername ?? (isIP(t.host) ? undefined : t.host), connectHost: t.host };
}

type SmtpStage = (s: SmtpSession) => Promise<StageOutcome>;

/**
 * The stages in the order they run for a security setting. With implicit TLS the
 * handshake comes before the greeting; otherwise STARTTLS follows EHLO (and is skipped,
 * with its reason, when security is none).
 */
export function smtpStages(security: Security): ReadonlyArray<readonly [StageName, SmtpStage]> {
  return security === "tls"
    ? [["dns", resolveHost], ["tcp", connectTcp], ["tls", handshake], ["greeting", readGreeting], ["ehlo", sayEhlo], ["auth", logIn], ["mail", mailFrom], ["rcpt", rcptTo], ["data", sendTestMessage]]
    : [["dns", resolveHost], ["tcp", connectTcp], ["greeting", readGreeting], ["ehlo", sayEhlo], ["tls", startTls], ["auth", logIn], ["mail", mailFrom], ["rcpt", rcptTo], ["data", sendTestMessage]];
}

/** Closes the connection politely after a clean run; after a failure it is cut. */
export async function hangUp(s: SmtpSession, failed: boolean): Promise<void> {
  if (!s.wire) return;
  if (failed) s.wire.destroy();
  else await s.wire.close(Math.min(s.o.timeoutMs, 2000));
}

function connected(s: SmtpSession): SmtpWire {
  if (!s.wire) throw new Error("no connection");
  return s.wire;
}

/** The host's addresses, and what the mail domain's MX and SRV records say about it. */
async function resolveHost(s: SmtpSession): Promise<StageOutcome> {
  const { t, o } = s;
  if (!needsDns(t.host)) return { skipped: true, summary: `not needed: ${t.host} is ${isIP(t.host) ? "an IP address" : "this computer"}` };
  const dnsOptions = { timeoutMs: o.timeoutMs, ...(o.dnsServers ? { servers: o.dnsServers } : {}) };
  const addresses = await lookupAddresses(t.host, dnsOptions);
  if (o.dnsServers && addresses[0]) s.connectHost = addresses[0];
  const domain = t.email.split("@")[1] ?? "";
  const facts = domain ? await mailDomainFacts(domain, dnsOptions) : undefined;
  const hint = facts ? mailDomainHint(domain, facts) : "";
  return {
    summary: `${t.host} -> ${addresses.join(", ")}${hint ? `; ${hint}` : ""}`,
    details: { addresses, ...(facts ? { mailDomain: domain, mx: facts.mx, submissionSrv: facts.submission, ...(facts.provider ? { mxProvider: facts.provider } : {}) } : {}) },
    warnings: facts ? providerMismatch(t.host, domain, facts) : [],
  };
}

/** The domain's mail is handled by a known provider whose submission server is not the host set here. */
function providerMismatch(host: string, domain: string, facts: MailDomainFacts): string[] {
  const hostProvider = recognizeProvider(host);
  if (!facts.provider || facts.provider.submissionHost === host) return [];
  // The host may be another name of the same provider (its first word matches).
  if (hostProvider && facts.provider.name.startsWith(hostProvider.split(" ")[0] ?? "-")) return [];
  return [`${domain}'s mail is handled by ${facts.provider.name} (MX ${facts.mx[0]?.exchange ?? "?"}), whose submission server is ${facts.provider.submissionHost}, but the server set here is ${host}`];
}

function mailDomainHint(domain: string, facts: MailDomainFacts): string {
  const srv = facts.submission.map((s) => `${s.name}:${s.port}${s.implicitTls ? " (implicit TLS)" : " (STARTTLS)"}`);
  const mx = facts.mx.map((m) => m.exchange);
  return [mx.length > 0 ? `MX of ${domain}: ${mx.slice(0, 3).join(", ")}` : "", srv.length > 0 ? `submission SRV: ${srv.join(", ")}` : ""].filter(Boolean).join("; ");
}

async function connectTcp(s: SmtpSession): Promise<StageOutcome> {
  s.wire = await SmtpWire.connect(s.connectHost, s.t.port, s.o.timeoutMs, s.o.transcript);
  return { summary: `connected to ${s.wire.remoteAddress}`, details: { remote: s.wire.remoteAddress } };
}

/** The TLS handshake (implicit, or after STARTTLS): a certificate the client refuses fails the stage. */
async function handshake(s: SmtpSession): Promise<{ summary: string; details: Record<string, unknown>; warnings: string[] }> {
  const wire = connected(s);
  const name = s.servername ?? s.t.host;
  let secured;
  try {
    secured = await wire.startTls(name, s.o.timeoutMs, { ...(s.servername ? { servername: s.servername } : {}), ...(s.o.ca ? { ca: s.o.ca } : {}) });
  } catch (err) {
    const h = handshakeError(err);
    throw new StageFailure(h.text, h.summary, { evidence: h.evidence });
  }
  const facts = tlsFacts(secured, name, s.o.now());
  s.report.tls = facts;
  s.o.transcript.event(`TLS established: ${describeTls(facts)}`);
  const details = facts as unknown as Record<string, unknown>;
  if (facts.problem) {
    throw new StageFailure(`${facts.problem.code}: ${facts.problem.message}`, describeTls(facts), { details, evidence: `${facts.problem.code}: ${facts.problem.message}` });
  }
  const warnings = facts.daysLeft < 14 ? [`the certificate expires in ${facts.daysLeft} days`] : [];
  return { summary: describeTls(facts), details, warnings };
}

async function readGreeting(s: SmtpSession): Promise<StageOutcome> {
  const wire = connected(s);
  let reply: Reply;
  try {
    reply = await wire.read(s.o.timeoutMs, "the greeting");
  } catch (err) {
    // A silent server is a finding of its own (often implicit TLS expected): say so plainly.
    if (err instanceof WireError && err.code === "ETIMEDOUT") {
      throw new StageFailure(`Greeting never received (ETIMEDOUT): ${err.message}`, `no greeting: ${err.message}`);
    }
    throw err;
  }
  s.report.greeting = reply.raw;
  if (reply.code !== 220) throw replyFailure(reply, "the greeting");
  return { summary: firstLine(reply.raw) };
}

async function ehlo(s: SmtpSession): Promise<Capabilities> {
  const reply = await connected(s).command(`EHLO ${s.o.ehloName ?? "mailcfg.invalid"}`, s.o.timeoutMs);
  if (reply.code !== 250) throw replyFailure(reply, "EHLO");
  return parseEhlo(reply);
}

async function sayEhlo(s: SmtpSession): Promise<StageOutcome> {
  const caps = await ehlo(s);
  s.report.capabilities = caps;
  return { summary: describeCapabilities(caps), details: { capabilities: caps } };
}

/** STARTTLS, the handshake, then EHLO again: the capabilities may change once encrypted. */
async function startTls(s: SmtpSession): Promise<StageOutcome> {
  const { t, report } = s;
  if (t.security === "none") return { skipped: true, summary: "not used: security is none, the connection stays unencrypted" };
  const wire = connected(s);
  if (!report.capabilities?.starttls) {
    throw new StageFailure(`The server does not offer STARTTLS on port ${t.port}`, `the server does not offer STARTTLS on port ${t.port}`);
  }
  const reply = await wire.command("STARTTLS", s.o.timeoutMs);
  if (reply.code !== 220) throw replyFailure(reply, "STARTTLS");
  const done = await handshake(s);
  const caps = await ehlo(s);
  report.capabilitiesAfterTls = caps;
  return { summary: `${done.summary}; after TLS: ${describeCapabilities(caps)}`, details: { ...done.details, capabilitiesAfterTls: caps }, warnings: done.warnings };
}

async function logIn(s: SmtpSession): Promise<StageOutcome> {
  const { t, report } = s;
  const wire = connected(s);
  const caps = report.capabilitiesAfterTls ?? report.capabilities;
  if (t.oauth) return { skipped: true, summary: "not probed: this profile signs in with OAuth (XOAUTH2); mailcfg validate checks that sign-in" };
  if (!caps || caps.auth.length === 0) {
    if (t.security === "none" && caps?.starttls) {
      throw new StageFailure("The server does not offer AUTH before STARTTLS (no AUTH without TLS)", "the server offers no AUTH on the unencrypted connection (it offers STARTTLS)");
    }
    return { skipped: true, summary: "not possible: the server offers no AUTH; it may accept mail by IP address (watch MAIL FROM and RCPT TO)", warnings: ["the server offers no login (AUTH)"] };
  }
  if (t.password === undefined) return { skipped: true, summary: `not run: no password given (the server offers AUTH ${caps.auth.join(" ")})` };
  const login = t.username ?? t.email;
  const reply = await authenticate(wire, caps.auth, login, t.password, s.o.timeoutMs);
  return { summary: `logged in as ${login} (AUTH ${reply.mechanism}): ${firstLine(reply.reply.raw)}`, details: { mechanism: reply.mechanism, user: login } };
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

async function mailFrom(s: SmtpSession): Promise<StageOutcome> {
  const reply = await connected(s).command(`MAIL FROM:<${s.t.email}>`, s.o.timeoutMs);
  if (reply.code !== 250) throw replyFailure(reply, "MAIL FROM");
  return { summary: `sender ${s.t.email} accepted: ${firstLine(reply.raw)}` };
}

async function rcptTo(s: SmtpSession): Promise<StageOutcome> {
  const to = recipient(s.t);
  const reply = await connected(s).command(`RCPT TO:<${to}>`, s.o.timeoutMs);
  if (reply.code !== 250 && reply.code !== 251) throw replyFailure(reply, "RCPT TO");
  return { summary: `recipient ${to} accepted: ${firstLine(reply.raw)}` };
}

async function sendTestMessage(s: SmtpSession): Promise<StageOutcome> {
  const wire = connected(s);
  const timeout = s.o.timeoutMs;
  const go = await wire.command("DATA", timeout);
  if (go.code !== 354) throw replyFailure(go, "DATA");
  const message = testMessage(s.t.email, recipient(s.t), s.o.now());
  wire.sendRaw(message, `(test message: ${message.split("\r\n").length} lines, ${Buffer.byteLength(message)} bytes, ending with ".")`);
  const done = await wire.read(timeout * 2, "the reply to the message");
  if (done.code !== 250) throw replyFailure(done, "the message (DATA)");
  s.report.sent = true;
  return { summary: `test message accepted: ${firstLine(done.raw)}` };
}

function recipient(t: SmtpTarget): string {
  return t.to ?? t.email;
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
