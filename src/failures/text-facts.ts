/**
 * The facts a piece of text carries by itself: codes, error names, a port. They let the
 * rows that match structured facts also serve pasted text (`mailcfg explain`), so one
 * row decides a live failure and the same failure pasted by a customer.
 */
import type { FailureFacts } from "./facts.js";

const ENHANCED = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/;
// A reply code at the start of a line or after a separator; second digit 0-5 as in RFC 5321.
const REPLY = /(?:^|[\s(:="'[])([2-5][0-5][0-9])(?=[\s\-,)'"\]]|\.(?!\d)|$)/m;
const ERRNO =
  /\b(E(?:CONNREFUSED|TIMEDOUT|NOTFOUND|AI_AGAIN|CONNRESET|HOSTUNREACH|NETUNREACH|PIPE|CONNABORTED|ADDRNOTAVAIL|PROTO)|ERR_(?:TLS|SSL)_[A-Z_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|(?:DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN))\b/;
const AADSTS = /\bAADSTS(\d{4,})\b/;
const OAUTH_ERROR =
  /\b(invalid_grant|invalid_client|invalid_request|invalid_scope|unauthorized_client|unsupported_grant_type|access_denied|redirect_uri_mismatch|consent_required|interaction_required|authorization_pending|slow_down|expired_token|authorization_declined|bad_verification_code|temporarily_unavailable|server_error)\b/;
const GOOGLE_REASON =
  /\b(rateLimitExceeded|userRateLimitExceeded|dailyLimitExceeded|quotaExceeded|insufficientPermissions|ACCESS_TOKEN_SCOPE_INSUFFICIENT|accessNotConfigured|SERVICE_DISABLED|failedPrecondition|authError)\b/;
const RESPONSE_CODE = /\b(Error[A-Z][A-Za-z]{5,}|MailboxNotEnabledForRESTAPI|InvalidAuthenticationToken)\b/;
const HTTP_STATUS = /\b(?:HTTP(?:\/\d(?:\.\d)?)?|status(?: ?code)?:?|\()\s*([1-5]\d\d)\b/i;
const PORT = /(?:[a-z0-9\]]:|\bport\s+)(\d{2,5})\b/i;

const SECURITY_BY_WORDS: Record<string, "starttls" | "tls" | "none"> = { "implicit TLS": "tls", STARTTLS: "starttls", "no encryption": "none" };

const HTTP_STAGES = new Set(["http", "api", "token"]);

/** What `text` says by itself. Only fields the text shows are set. */
export function factsFromText(text: string): FailureFacts {
  const f: FailureFacts = {};
  const enhanced = ENHANCED.exec(text);
  if (enhanced) f.enhancedCode = `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`;
  const reply = REPLY.exec(text);
  if (reply?.[1]) f.replyCode = Number(reply[1]);
  const errno = ERRNO.exec(text);
  if (errno?.[1]) f.errno = errno[1];
  const aad = AADSTS.exec(text);
  if (aad?.[1]) f.aadsts = Number(aad[1]);
  const oauth = OAUTH_ERROR.exec(text);
  if (oauth?.[1]) f.oauthError = oauth[1];
  const reason = GOOGLE_REASON.exec(text);
  if (reason?.[1]) f.googleReason = reason[1];
  const code = RESPONSE_CODE.exec(text);
  if (code?.[1]) f.responseCode = code[1];
  const http = HTTP_STATUS.exec(text);
  if (http?.[1]) f.httpStatus = Number(http[1]);
  // "HTTP 400" is not an SMTP reply.
  if (f.replyCode !== undefined && f.replyCode === f.httpStatus) delete f.replyCode;
  if (/Greeting never received|timed? ?out|ETIMEDOUT/i.test(text)) f.timeoutMs ??= 0;
  if (/Greeting never received|Invalid greeting/i.test(text)) f.stage = "greeting";
  const port = PORT.exec(text);
  if (port?.[1]) {
    const n = Number(port[1]);
    if (n > 0 && n < 65536) f.settings = { port: n };
  }
  // mailcfg's own evidence names the SSL setting used: "host:port (implicit TLS)".
  const used = /([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]):(\d+) \((implicit TLS|STARTTLS|no encryption)\)/.exec(text);
  if (used?.[1] && used[3]) {
    f.settings = { ...(f.settings ?? {}), host: used[1].replace(/^\[|\]$/g, ""), port: Number(used[2]), security: SECURITY_BY_WORDS[used[3]] ?? "starttls" };
  }
  // ...and what a probe of the port found.
  if (/a TLS handshake on this port succeeded/.test(text)) f.implicitTls = true;
  const names = certNamesIn(text);
  if (names.length > 0) f.tls = { certNames: names };
  return f;
}

/** The names a certificate is for, from Node's altname message ("DNS:a, DNS:b, IP Address:1.2.3.4"). */
export function certNamesIn(text: string): string[] {
  const m = /cert(?:ificate)?'s altnames:\s*([^\n]+)/i.exec(text);
  if (!m?.[1]) return [];
  return [...m[1].matchAll(/(?:DNS|IP Address):\s*([^\s,()]+)/g)].map((x) => x[1] ?? "").filter(Boolean);
}

/**
 * Live facts, completed with what the text says: the live value wins where both have one
 * (the provider knows the stage; the text may only guess it).
 */
export function mergeFacts(live: FailureFacts | undefined, text: string): FailureFacts {
  const fromText = factsFromText(text);
  // Over HTTP (EWS, Graph, Gmail, OAuth), a three-digit number in the text is not an SMTP reply.
  if (live?.httpStatus !== undefined || (live?.stage && HTTP_STAGES.has(live.stage))) delete fromText.replyCode;
  const merged: FailureFacts = { ...fromText, ...(live ?? {}) };
  const settings = { ...(fromText.settings ?? {}), ...(live?.settings ?? {}) };
  if (Object.keys(settings).length > 0) merged.settings = settings;
  const tls = { ...(fromText.tls ?? {}), ...(live?.tls ?? {}) };
  if (Object.keys(tls).length > 0) merged.tls = tls;
  return merged;
}
