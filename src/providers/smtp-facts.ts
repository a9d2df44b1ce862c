/**
 * What a failed SMTP exchange tells, read off nodemailer's error: the stage, the reply,
 * the system or OpenSSL code, and the settings used. No meaning is decided here; that is
 * the failure model's job (src/failures/).
 */
import type { WebmailSettings } from "../config/types.js";
import type { FailureFacts, Stage } from "../failures/facts.js";

interface NodemailerError {
  code?: unknown;
  originalCode?: unknown;
  command?: unknown;
  response?: unknown;
  responseCode?: unknown;
  timeoutType?: unknown;
  message?: unknown;
  cause?: unknown;
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EDNS"]);
const TCP_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EACCES"]);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|EPROTO$)/;

/** nodemailer's command names for the SMTP stages. */
const COMMAND_STAGES: ReadonlyArray<readonly [RegExp, Stage]> = [
  [/^(EHLO|HELO|LHLO)$/, "ehlo"],
  [/^STARTTLS$/, "starttls"],
  [/^AUTH\b/, "auth"],
  [/^MAIL FROM$/, "mail"],
  [/^RCPT TO$/, "rcpt"],
  [/^DATA$/, "data"],
];

function str(x: unknown): string | undefined {
  return typeof x === "string" && x !== "" ? x : undefined;
}

/** The most specific code: the system or OpenSSL code under nodemailer's own (ESOCKET, ETLS ...). */
function errnoOf(e: NodemailerError): string | undefined {
  const original = str(e.originalCode);
  if (original) return original;
  const causeCode = str((e.cause as { code?: unknown } | undefined)?.code);
  if (causeCode) return causeCode;
  const code = str(e.code);
  const fromMessage = /\b(ERR_SSL_[A-Z_]+|ERR_TLS_[A-Z_]+|CERT_[A-Z_]+|E[A-Z]{4,})\b/.exec(String(e.message ?? ""))?.[1];
  if (code === "ETLS" || code === "ESOCKET" || code === "ECONNECTION") return fromMessage ?? code;
  return code;
}

function stageOf(e: NodemailerError, errno: string | undefined, s: WebmailSettings): Stage | undefined {
  const command = str(e.command) ?? "";
  for (const [re, stage] of COMMAND_STAGES) if (re.test(command)) return stage;
  if (str(e.code) === "EAUTH") return "auth";
  if (str(e.code) === "EENVELOPE") return "mail";
  const message = String(e.message ?? "");
  if (e.timeoutType === "GREETING_TIMEOUT" || /Greeting never received/i.test(message)) return "greeting";
  if (errno && DNS_CODES.has(errno)) return "dns";
  if (errno && TCP_CODES.has(errno)) return "tcp";
  if (errno && TLS_CODE.test(errno)) return s.security === "starttls" && command === "STARTTLS" ? "starttls" : "tls";
  if (str(e.code) === "ETLS") return "tls";
  if (/Invalid greeting/i.test(message)) return "greeting";
  if (e.timeoutType === "CONNECTION_TIMEOUT") return s.security === "tls" ? "tls" : "tcp";
  return undefined;
}

export interface SmtpFactsExtra {
  timeoutMs?: number;
  implicitTls?: boolean;
  /** An extra CA was given (--ca). */
  ca?: boolean;
  /** The failure came after the final "." of DATA (see smtp-session.ts). */
  maybeDelivered?: boolean;
}

export function smtpFacts(err: unknown, s: WebmailSettings, extra: SmtpFactsExtra = {}): FailureFacts {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as NodemailerError;
  const errno = errnoOf(e);
  const stage = stageOf(e, errno, s);
  const response = str(e.response);
  const f: FailureFacts = {
    settings: {
      type: "webmail",
      host: s.host,
      port: s.port,
      security: s.security,
      auth: s.auth ?? "password",
      email: s.email,
      ...(s.username ? { username: s.username } : {}),
      ...(extra.ca ? { ca: true } : {}),
    },
  };
  if (stage) f.stage = stage;
  if (errno) f.errno = errno;
  if (typeof e.responseCode === "number") f.replyCode = e.responseCode;
  if (response) {
    f.serverText = response;
    const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response);
    if (enhanced?.[1]) f.enhancedCode = enhanced[1];
  }
  const timedOut = errno === "ETIMEDOUT" || e.timeoutType !== undefined;
  if (timedOut && extra.timeoutMs !== undefined) f.timeoutMs = extra.timeoutMs;
  else if (timedOut) f.timeoutMs = 0;
  if (extra.implicitTls !== undefined) f.implicitTls = extra.implicitTls;
  if (extra.maybeDelivered) {
    f.maybeDelivered = true;
    f.stage = "data";
  }
  // Node hands the peer's certificate with a name mismatch; its names say what to connect to.
  const cert = (e as { cert?: { subjectaltname?: unknown } }).cert ?? (e.cause as { cert?: { subjectaltname?: unknown } } | undefined)?.cert;
  const altnames = typeof cert?.subjectaltname === "string" ? cert.subjectaltname : undefined;
  if (altnames) f.tls = { certNames: [...altnames.matchAll(/(?:DNS|IP Address):\s*([^\s,]+)/g)].map((m) => m[1] ?? "").filter(Boolean) };
  return f;
}
