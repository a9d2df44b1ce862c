/**
 * The generic layer of the failure model: what a code means when no provider row and no
 * text row knows the failure. Codes are the signals every client keeps, whatever words it
 * wraps them in (.NET, Java, Python, PHP, msmtp ... all print the server's "535 5.7.8"),
 * so a text with any of them is never `unknown`:
 *  - every enhanced status code of the IANA "SMTP Enhanced Status Codes" registry, each
 *    with the RFC that registered it;
 *  - the basic reply codes of RFC 5321, RFC 4954 and RFC 7504;
 *  - Node, nodemailer and OpenSSL error codes (errno, ERR_TLS_*, ERR_SSL_*, X509 verify);
 *  - HTTP status codes in an EWS, Graph, OAuth-token or Gmail API context.
 * Pure: small functions over the tables (smtp-code-table.ts, client-code-table.ts), no I/O.
 */
import { CURL_CODES, ERRNO, ERRNO_FAMILIES, HTTP, HTTP_SOURCE, type HttpContext } from "./client-code-table.js";
import { FIX, type SignalCategory } from "./signal-fixes.js";
import { ENHANCED, R3463, REPLIES, SUBJECT_DEFAULT } from "./smtp-code-table.js";


export interface SignalVerdict {
  category: SignalCategory;
  cause: string;
  fix: string[];
  /** Will the same attempt, later, work? The queue retries only these. */
  transient: boolean;
  /** Where the meaning comes from: the RFC, the library or the API. */
  source: string;
  /** Stable id: "enhanced-5.7.8", "reply-535", "errno-ECONNREFUSED", "http-ews-401". */
  id: string;
}

export interface Signals {
  enhancedCode?: string;
  replyCode?: number;
  errno?: string;
  httpStatus?: number;
  httpContext?: HttpContext;
}

// ---------------------------------------------------------------------------
// Enhanced status codes.

const ENHANCED_BY_DETAIL = new Map(ENHANCED.map((r) => [r.detail, r]));

function enhancedVerdict(code: string): (SignalVerdict & { generic: boolean }) | undefined {
  const m = /^([45])\.(\d{1,3})\.(\d{1,3})$/.exec(code.trim());
  if (!m) return undefined;
  const [, cls = "", subject = "", detail = ""] = m;
  const row = ENHANCED_BY_DETAIL.get(`${subject}.${detail}`);
  const transient = cls === "4";
  if (!row) {
    const d = SUBJECT_DEFAULT[subject];
    if (!d) return undefined;
    const cat = transient ? "server" : d.cat;
    return {
      category: cat,
      cause: `${transient ? "A temporary" : "A permanent"} refusal, ${d.name} (${code}; detail ${detail} is the provider's own, not in the IANA registry).`,
      fix: [...FIX[transient ? "retry" : d.fix]],
      transient,
      source: `${R3463} subject X.${subject}.YYY (${code} is not in the IANA registry)`,
      id: `enhanced-${cls}.${subject}.x`,
      generic: true,
    };
  }
  const category = transient ? (row.cat4 ?? "server") : row.cat;
  const fix = transient ? (row.fix4 ?? "retry") : row.fix;
  const what = row.note ? `${row.name}; ${row.note}` : row.name;
  return {
    category,
    cause: `${transient ? "Temporary failure (a retry later may work)" : "Permanent failure"}: ${what} (${code}, ${row.rfc}).`,
    fix: [...FIX[fix]],
    transient,
    source: `IANA SMTP Enhanced Status Codes X.${row.detail}: ${row.rfc}`,
    id: `enhanced-${code}`,
    generic: row.generic === true,
  };
}

// ---------------------------------------------------------------------------
// Basic reply codes.

const REPLY_BY_CODE = new Map(REPLIES.map((r) => [r.code, r]));

/** Is this number a basic SMTP reply code the table knows (and not, say, an HTTP 401)? */
export function isReplyCode(n: number): boolean {
  return REPLY_BY_CODE.has(n);
}

function replyVerdict(code: number): (SignalVerdict & { specific: boolean }) | undefined {
  const row = REPLY_BY_CODE.get(code);
  if (!row) return undefined;
  const transient = code >= 400 && code < 500 && row.cat === "server";
  return {
    category: row.cat,
    cause: `The server answered ${code}: ${row.name} (${row.rfc}).`,
    fix: [...FIX[row.fix]],
    transient,
    source: `${row.rfc} reply ${code}`,
    id: `reply-${code}`,
    specific: row.specific === true,
  };
}

// ---------------------------------------------------------------------------
// errno, nodemailer and OpenSSL / Node TLS codes.

function errnoVerdict(code: string): SignalVerdict | undefined {
  const key = /^0x/i.test(code) ? `0x${code.slice(2).toUpperCase()}` : code.replace(/^X509_V_ERR_/, "");
  const row = ERRNO[key] ?? ERRNO_FAMILIES.find(([re]) => re.test(code))?.[1];
  if (!row) return undefined;
  return { category: row.cat, cause: row.cause, fix: [...FIX[row.fix]], transient: row.transient, source: `${row.source}: ${code}`, id: `errno-${code}` };
}

/** The error codes signalVerdict knows by name (for readers of text). */
export const KNOWN_ERRNOS: readonly string[] = Object.keys(ERRNO);

// ---------------------------------------------------------------------------
// HTTP status codes, by what was being talked to.

function httpVerdict(status: number, ctx: HttpContext | undefined): SignalVerdict | undefined {
  const where = ctx ?? "any";
  const id = `http-${where}-${status}`;
  const source = `${HTTP_SOURCE[where]}: ${status}`;
  // Waiting helps: throttling, timeouts and server-side errors, whatever was called.
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    const cause =
      status === 429
        ? `Too many requests (HTTP 429): the ${where === "any" ? "server" : where} throttles this account for a while.`
        : status === 408
          ? "The server gave up waiting for the request (HTTP 408)."
          : `The ${where === "any" ? "server" : where} failed on its side (HTTP ${status}).`;
    return { category: "server", cause, fix: [...FIX.retry], transient: true, source, id };
  }
  const row = HTTP[where][status] ?? (ctx ? HTTP.any[status] : undefined);
  if (!row) return undefined;
  const [category, fix, cause] = row;
  return { category, cause, fix: [...FIX[fix]], transient: false, source, id };
}

// ---------------------------------------------------------------------------

/**
 * The meaning of the codes alone, most telling first: an HTTP status in a known context,
 * the enhanced status code (unless it is a catch-all and the basic reply says more, or
 * the reply is a login refusal), the basic reply code, then the errno / TLS code.
 */
export function signalVerdict(s: Signals): SignalVerdict | undefined {
  if (s.httpStatus !== undefined && s.httpContext) {
    const v = httpVerdict(s.httpStatus, s.httpContext);
    if (v) return v;
  }
  const enhanced = s.enhancedCode ? enhancedVerdict(s.enhancedCode) : undefined;
  const reply = s.replyCode !== undefined ? replyVerdict(s.replyCode) : undefined;
  let pick: SignalVerdict | undefined = enhanced;
  if (reply && (!enhanced || (enhanced.generic && reply.specific))) pick = reply;
  // A 530/534/535 reply is a login refusal whatever detail code a provider puts beside it
  // (Microsoft's 535 5.7.3, 535 5.7.139), except a TLS requirement (530 5.7.11).
  if (reply && enhanced && reply.category === "auth" && reply.specific && enhanced.category !== "ssl") pick = reply;
  if (pick) return strip(pick);
  if (s.errno) {
    const v = errnoVerdict(s.errno);
    if (v) return v;
  }
  if (s.httpStatus !== undefined) return httpVerdict(s.httpStatus, undefined);
  return undefined;
}

function strip(v: SignalVerdict & { generic?: boolean; specific?: boolean }): SignalVerdict {
  const { category, cause, fix, transient, source, id } = v;
  return { category, cause, fix, transient, source, id };
}

// ---------------------------------------------------------------------------
// Reading the signals out of pasted text.

const HTTP_PATTERNS: readonly RegExp[] = [
  /\((\d{3})\)\s*[A-Z][a-z]/, // .NET WebException "(401) Unauthorized", EWS Java "(401)Unauthorized"
  /\bHTTP(?:\/\d(?:\.\d)?)?\s*(?:status\s*)?(?:code\s*)?[:=]?\s*(\d{3})\b/i,
  /\b(?:status(?:\s*code)?|statusCode|status_code|response code|HTTP ?error|HttpStatusCode)\s*[:=]?\s*"?(\d{3})\b/i,
  /\b(\d{3}) (?:Client|Server) Error\b/, // Python requests: "401 Client Error: Unauthorized for url"
  /\b(\d{3})\s+(?:Unauthorized|Forbidden|Not Found|Too Many Requests|Internal Server Error|Service Unavailable|Bad Gateway|Gateway Time-?out|Bad Request|Method Not Allowed|Request Entity Too Large|Payload Too Large|Login Time-?out)\b/i,
  /\b(\d{3})\s+(?:ServiceUnavailable|TooManyRequests|GatewayTimeout|BadGateway|InternalServerError|BadRequest|NotFound)\b/, // .NET HttpStatusCode names
  /\b(\d{3})\s*\((?:Unauthorized|Forbidden|Not Found|Too Many Requests|Internal Server Error|Service Unavailable|Bad Gateway|Gateway Timeout|Bad Request)\)/i, // .NET HttpClient
  /\b(?:Unauthorized|Forbidden|Not Found|Too Many Requests|Service Unavailable)\s*[:(]\s*(\d{3})\b/i,
  /"code"\s*:\s*(\d{3})\b/,
  /\bError (\d{3}):/, // Google's sign-in pages: "Error 403: access_denied"
  /\bresponse (?:code )?(\d{3})\b/i,
  /\bThe request failed\.\s+(?:The request failed\.\s+)?(\d{3})\b/, // EWS Java API ServiceRequestException: "The request failed. The request failed. 401"
];

const HTTP_CONTEXTS: ReadonlyArray<readonly [HttpContext, RegExp]> = [
  ["graph", /graph\.microsoft\.com|\bGraph(ServiceClient|Error|API)?\b|sendMail\b/i],
  ["gmail", /gmail\.googleapis\.com|googleapis\.com\/gmail|gmail\/v1|\bGmail API\b|users\.messages\.send/i],
  ["oauth", /oauth2?\b|\/token\b|login\.microsoftonline\.com|accounts\.google\.com|invalid_grant|invalid_client|access token|refresh token/i],
  ["ews", /\bEWS\b|Exchange\.asmx|ExchangeService|exchangelib|exchange\.webservices|ServiceRequestException|Autodiscover|Exchange Web Services|ews-java-api|\/EWS\/|The remote server returned an error/i],
];

const ERRNO_PATTERN =
  /\b(E[A-Z]{2,}(?:_[A-Z]+)?|ERR_(?:TLS|SSL)_[A-Z0-9_]+|X509_V_ERR_[A-Z_]+|(?:SEC|SSL)_ERROR_[A-Z_]+|MOZILLA_PKIX_ERROR_[A-Z_]+|(?:CERT|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERROR_IN|INVALID_CA|PATH_LENGTH|INVALID_PURPOSE|HOSTNAME_MISMATCH)[A-Z_]*|CURLE_[A-Z_]+|0[xX]8[0-9A-Fa-f]{7})\b/g;

const CURL_PATTERN = /\bcurl: \((\d+)\)|\bcURL error (\d+):/i;

/** The first errno / TLS code in the text that signalVerdict knows. */
function readErrno(text: string): string | undefined {
  const curl = CURL_PATTERN.exec(text);
  const curlName = curl ? CURL_CODES[Number(curl[1] ?? curl[2])] : undefined;
  if (curlName) return curlName;
  for (const m of text.matchAll(ERRNO_PATTERN)) {
    const c = m[1];
    if (c && errnoVerdict(c)) return c;
  }
  return undefined;
}

/**
 * The signals in pasted text. `codes` are the status codes the caller already read
 * (enhanced x.y.z and three-digit replies, as extractCodes returns them).
 */
export function readSignals(text: string, codes: readonly string[]): Signals {
  const out: Signals = {};
  const enhanced = codes.find((c) => /^[45]\.\d{1,3}\.\d{1,3}$/.test(c));
  if (enhanced) out.enhancedCode = enhanced;
  for (const re of HTTP_PATTERNS) {
    const n = Number(re.exec(text)?.[1]);
    if (n >= 400 && n <= 599) {
      out.httpStatus = n;
      break;
    }
  }
  // An HTTP "(503) Server Unavailable" is not an SMTP 503.
  const reply = codes.map(Number).find((n) => isReplyCode(n) && n !== out.httpStatus);
  if (reply !== undefined) out.replyCode = reply;
  if (out.httpStatus !== undefined) {
    const ctx = HTTP_CONTEXTS.find(([, re]) => re.test(text))?.[0];
    if (ctx) out.httpContext = ctx;
  }
  const errno = readErrno(text);
  if (errno) out.errno = errno;
  return out;
}
