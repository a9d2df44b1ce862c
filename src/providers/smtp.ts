import { isIP } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Transporter } from "nodemailer";
import { secureContextWith } from "../tls/trust.js";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { WebmailSettings } from "../config/types.js";
import type { MailError } from "../errors.js";
import { errorText } from "../diagnosis/classify.js";
import { redact } from "../diagnosis/redact.js";
import { classify } from "../failures/classify.js";
import { failureError } from "../failures/error.js";
import { smtpFacts, type SmtpFactsExtra } from "./smtp-facts.js";
import type { ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent, SendHooks } from "./types.js";
import { maybeDelivered, openSmtpSession, sessionPool, type SmtpSession } from "./smtp-session.js";
import type { EarlyConnection } from "./early-connection.js";
import { nodemailerMessage } from "./compose.js";

/**
 * nodemailer options for a Webmail profile: the security setting made precise. With an
 * OAuth access token the login is XOAUTH2 (Microsoft 365), else the password, if any.
 */
export function smtpTransportOptions(
  s: WebmailSettings,
  password: string | undefined,
  o: ConnectOptions,
  accessToken?: string,
): SMTPTransport.Options {
  const user = s.username ?? s.email;
  // Built once and shared by every pooled connection: the system store plus the extra CAs.
  const secureContext = o.ca && o.ca.length > 0 ? secureContextWith(o.ca, process.env) : undefined;
  return {
    host: s.host,
    port: s.port,
    secure: s.security === "tls", // implicit TLS from the first byte (465)
    requireTLS: s.security === "starttls", // refuse to log in unless STARTTLS succeeded
    ignoreTLS: s.security === "none",
    auth:
      accessToken !== undefined
        ? { type: "OAuth2", user, accessToken }
        : password === undefined
          ? undefined
          : { user, pass: password },
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    // A server that stalls mid-conversation (after DATA, say) is given the same one timeout;
    // a moment more, so a silent greeting is reported as such by the greeting timer.
    socketTimeout: o.timeoutMs + 100,
    dnsTimeout: o.timeoutMs,
    // The certificate is checked against this name: the host, or the one set for an IP address.
    tls: { ...(s.servername ? { servername: s.servername } : isIP(s.host) ? {} : { servername: s.host }), ...(secureContext ? { secureContext } : {}) },
    pool: o.pool ?? false,
    ...(o.pool && o.maxConnections ? { maxConnections: o.maxConnections } : {}),
    ...(o.onLog ? { logger: lineLogger(o.onLog, accessToken ?? password), debug: true } : { logger: false }),
  };
}

/** The SMTP provider; `accessToken` makes it log in with XOAUTH2 instead of the password. */
export function createSmtpProvider(
  s: WebmailSettings,
  password: string | undefined,
  o: ConnectOptions,
  accessToken?: string,
  early?: EarlyConnection,
): MailProvider {
  return new SmtpProvider(s, password, o, accessToken, early);
}

class SmtpProvider implements MailProvider {
  readonly type = "webmail";
  private readonly options: SMTPTransport.Options;
  // nodemailer's transport (the whole library: pooling, every transport kind) is loaded
  // only when a send cannot use the verified session, or to log in with XOAUTH2. A
  // validation needs just the connection and the composer, half as much code to load.
  // One transport (and so one connection pool) however many sends ask at once.
  private loading: Promise<Transporter<SMTPTransport.SentMessageInfo>> | undefined;
  // Pooled password logins (queue runs) go over sessions, which tell whether a failure
  // came after the final "." of DATA. XOAUTH2 logins use nodemailer's pooled transport.
  private readonly pool: ReturnType<typeof sessionPool> | undefined;
  // The connection verify() logged in on, for the first send() to use (see smtp-session.ts).
  private verified: SmtpSession | undefined;

  constructor(
    private readonly s: WebmailSettings,
    private readonly password: string | undefined,
    private readonly o: ConnectOptions,
    private readonly accessToken: string | undefined,
    private readonly early: EarlyConnection | undefined,
  ) {
    const options = smtpTransportOptions(s, password, o, accessToken);
    this.options = options;
    this.pool = o.pool && accessToken === undefined ? sessionPool(() => openSmtpSession(options)) : undefined;
  }

  async verify(): Promise<Evidence> {
    const s = this.s;
    this.takeVerified()?.quit();
    const startedAt = Date.now();
    try {
      // XOAUTH2 logins go through nodemailer's transport, which builds the token exchange.
      if (this.accessToken === undefined) this.verified = await openSmtpSession(this.options, this.early);
      else await (await this.transport()).verify();
    } catch (err) {
      throw await this.fail(err, startedAt);
    }
    const how = this.accessToken !== undefined ? " with an OAuth token (XOAUTH2)" : "";
    return {
      summary: `Connected to ${s.host}:${s.port} (${securityWords(s)}) and logged in as ${s.username ?? s.email}${how}.`,
      facts: { host: s.host, port: String(s.port), security: s.security },
    };
  }

  async send(mail: OutgoingMail, hooks?: SendHooks): Promise<Sent> {
    const message = nodemailerMessage(mail, this.s.email);
    let info: SMTPTransport.SentMessageInfo;
    const session = this.takeVerified();
    const startedAt = Date.now();
    try {
      if (session) info = await session.send(message, hooks);
      else if (this.pool) info = await this.pool.send(message, hooks);
      else info = await (await this.transport()).sendMail(message);
    } catch (err) {
      throw await this.fail(err, startedAt);
    } finally {
      session?.quit();
    }
    return {
      messageId: info.messageId,
      accepted: info.accepted.map(String),
      rejected: info.rejected.map(String),
      response: info.response,
    };
  }

  async close(): Promise<void> {
    this.early?.discard();
    this.takeVerified()?.quit();
    this.pool?.close();
    (await this.loading?.catch(() => undefined))?.close();
  }

  private transport(): Promise<Transporter<SMTPTransport.SentMessageInfo>> {
    return (this.loading ??= import("nodemailer").then(({ default: nodemailer }) => nodemailer.createTransport(this.options)));
  }

  /** The verified session if it can still carry a send; otherwise it is closed. */
  private takeVerified(): SmtpSession | undefined {
    const v = this.verified;
    this.verified = undefined;
    if (v?.usable()) return v;
    v?.quit();
    return undefined;
  }

  /** A classified failure; the one secret this connection carries is masked in it. */
  private fail(err: unknown, startedAt: number): Promise<MailError> {
    return smtpFailureProbed(err, this.s, this.accessToken ?? this.password, this.o.timeoutMs, startedAt);
  }
}

export function securityWords(s: Pick<WebmailSettings, "security" | "port">): string {
  if (s.security === "tls") return "implicit TLS";
  if (s.security === "starttls") return "STARTTLS";
  return "no encryption";
}

/**
 * smtpFailure, after one more look when the greeting never came: a port that waits
 * silently may be an implicit TLS port (465 or any other) waiting for a TLS hello, which
 * is an SSL setting problem, not a server problem.
 */
export async function smtpFailureProbed(
  err: unknown,
  s: WebmailSettings,
  password: string | undefined,
  timeoutMs: number,
  startedAt = Date.now(),
): Promise<MailError> {
  const facts: SmtpFactsExtra = { timeoutMs };
  // The probe gets what is left of the one timeout plus the second of grace every
  // operation has: a local or nearby TLS port answers its hello in milliseconds.
  const left = Math.min(5000, startedAt + timeoutMs + PROBE_GRACE_MS - Date.now());
  if (s.security !== "tls" && left > 0 && GREETING_TIMEOUT.test(errorText(err))) {
    facts.implicitTls = await speaksImplicitTls(s.host, s.port, left);
  }
  return smtpFailure(err, s, password, facts);
}

const PROBE_GRACE_MS = 500;
const GREETING_TIMEOUT = /Greeting never received/i;
const TIMEOUT = /Greeting never received|Connection timeout|ETIMEDOUT/i;

/**
 * Whether host:port completes a TLS handshake. Only the protocol is probed and nothing
 * is sent after the handshake, so the certificate is not checked here.
 */
export function speaksImplicitTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
    const finish = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("secureConnect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

/**
 * Turns a nodemailer failure into a classified MailError: the facts of the failure (stage,
 * reply, codes, settings) go to the failure model, which decides what they mean.
 */
export function smtpFailure(err: unknown, s: WebmailSettings, password?: string, extra: SmtpFactsExtra = {}): MailError {
  const text = redact(errorText(err), [password]);
  // After the final ".": the server may have the message; the queue must not resend it by itself.
  const facts = smtpFacts(err, s, { ...extra, ...(maybeDelivered(err) ? { maybeDelivered: true } : {}) });
  if (facts.serverText) facts.serverText = redact(facts.serverText, [password]);
  const v = classify({ facts, text });
  const e = err as { command?: string; response?: string; message?: string };
  const stage = e.command ? `at ${e.command.replace(/^AUTH\s+(\S+).*/i, "AUTH $1")}` : undefined;
  let reply = redact(e.response ?? e.message ?? String(err), [password]);
  if (extra.timeoutMs !== undefined && TIMEOUT.test(reply)) reply += ` (waited ${extra.timeoutMs / 1000} s)`;
  // What the probe found is evidence too (and explain reads it back from the text).
  if (extra.implicitTls) reply += "; a TLS handshake on this port succeeded";
  const names = facts.tls?.certNames ?? [];
  if (names.length > 0 && !/cert's altnames:/.test(reply)) reply += ` (the cert's altnames: ${names.map((n) => `DNS:${n}`).join(", ")})`;
  const evidence = [stage, `${s.host}:${s.port} (${securityWords(s)})`, reply].filter(Boolean).join(": ");
  return failureError(v, `${s.host}:${s.port}: ${v.cause}`, { evidence, facts, cause: err });
}

type LogFn = (entry: unknown, msg?: string, ...args: unknown[]) => void;

/** A nodemailer logger that hands each protocol line, secrets masked, to onLog. */
function lineLogger(onLog: (line: string) => void, password: string | undefined): Record<string, LogFn> {
  const emit: LogFn = (entry, msg, ...args) => {
    let line = typeof msg === "string" ? msg : typeof entry === "string" ? entry : "";
    for (const a of args) line = line.replace(/%s/, String(a));
    onLog(redact(line, [password]));
  };
  return { trace: emit, debug: emit, info: emit, warn: emit, error: emit, fatal: emit };
}
