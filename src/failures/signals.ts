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
 * Pure: data tables and small functions, no I/O.
 */
import type { Category } from "../errors.js";

export type SignalCategory = Extract<Category, "auth" | "server" | "ssl" | "rejected" | "oauth" | "domain">;

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

export type HttpContext = "ews" | "graph" | "oauth" | "gmail";

export interface Signals {
  enhancedCode?: string;
  replyCode?: number;
  errno?: string;
  httpStatus?: number;
  httpContext?: HttpContext;
}

// ---------------------------------------------------------------------------
// Fixes shared by many codes: one wording per kind of failure.

const FIX = {
  retry: ["Nothing to change: try again later (the queue retries it).", "If it keeps failing for hours, ask the mail provider whether the server has a problem."],
  login: [
    "Check the login name (usually the full email address) and type the password again.",
    "Gmail, Yahoo, iCloud and Microsoft accounts with two-step sign-in need an app password, not the account password.",
    "Check that the mailbox is allowed to send with SMTP login (Microsoft 365: Authenticated SMTP must be on).",
  ],
  authRequired: [
    "Turn authentication on and give the account's email address and password.",
    "Use the submission port (587 with STARTTLS, or 465 with SSL/TLS): port 25 often takes mail only for local mailboxes.",
  ],
  mechanism: [
    "Let the client choose the login method (LOGIN or PLAIN over TLS), or pick one the server offers.",
    "If the server offers no login method before encryption, turn on STARTTLS (587) or SSL/TLS (465).",
  ],
  appPassword: [
    "Use an app password (Gmail: https://myaccount.google.com/apppasswords) or connect with OAuth instead of the account password.",
    "If the provider requires a browser sign-in first, sign in to webmail once and confirm the security alert.",
  ],
  accountDisabled: ["Ask the mail administrator to enable the account (or the sign-in for it).", "Then validate again."],
  passwordChange: ["Sign in to webmail and change or confirm the password as asked.", "Then type the new password again in mailcfg."],
  tlsRequired: [
    "Turn encryption on: STARTTLS on port 587, or SSL/TLS on port 465.",
    "Security setting and port go together: 587 = STARTTLS, 465 = SSL/TLS.",
  ],
  tlsProtocol: [
    "The two sides could not agree on TLS: check that the security setting matches the port (587 = STARTTLS, 465 = SSL/TLS).",
    "If the server only speaks an old TLS version or cipher, update the server; mailcfg needs TLS 1.2 or later.",
  ],
  certUntrusted: [
    "If the server uses a private or company CA, give its certificate: --ca <file> (or NODE_EXTRA_CA_CERTS).",
    "Otherwise ask the server's administrator to install the full certificate chain.",
  ],
  certName: [
    "Use the host name the certificate was issued for (for shared hosting often the provider's name, e.g. the server name in the hosting panel), not an IP address or an alias.",
  ],
  certDates: ["Check this computer's date and time.", "If the clock is right, the server's certificate has expired or is not valid yet: ask its administrator to renew it."],
  wrongServer: [
    "Check the outgoing server name and port (587 STARTTLS, 465 SSL/TLS) in the provider's documentation.",
    "Run mailcfg diagnose to see which stage fails.",
  ],
  unreachable: [
    "Check the outgoing server name and port, and that this computer can reach the internet.",
    "A firewall or antivirus may block outgoing mail ports (25, 465, 587): allow the port or use another one the provider offers.",
  ],
  dnsName: ["Check the spelling of the server name (or the EWS URL).", "Check that this computer's DNS works (try the name in a browser or with nslookup)."],
  recipient: ["Check the recipient's address for typos.", "If the address is right, the recipient's server refuses it: ask the recipient for another address."],
  sender: [
    "Send from the address the account owns (the login address), or get the right to send as this address.",
    "Check the sender's address for typos; its domain must exist.",
  ],
  mailbox: ["The recipient's mailbox cannot take mail now (full or disabled): tell the recipient another way, or send later."],
  size: ["Make the message smaller: fewer or smaller attachments (send a link instead).", "Providers count the encoded size: attachments grow by about a third."],
  recipients: ["Send to fewer recipients per message (split the list into smaller batches).", "Check the provider's limit on recipients per message and per day."],
  policy: [
    "The server refused the message by its policy: read the rest of the server's reply for the reason.",
    "Check that the sender is allowed to send through this server (relay), and that the content or attachments are not blocked.",
  ],
  senderAuth: [
    "Publish SPF and DKIM for the sender's domain, and align them with DMARC (ask whoever manages the domain's DNS).",
    "Send through the server that the domain's SPF record names.",
  ],
  content: ["Change the message: the server cannot take its format, encoding or content as it is.", "Send a plain message without the attachment to find out which part is refused."],
  routing: ["The recipient's domain could not be reached: check the domain part of the address.", "If it is right, the recipient's mail system has a problem: try again later or tell the recipient."],
  protocol: [
    "The server did not accept a command: often the port speaks another protocol or another security mode.",
    "Check the port and security setting (587 = STARTTLS, 465 = SSL/TLS), then run mailcfg diagnose.",
  ],
  reconnect: ["Connect the account again (mailcfg connect-microsoft or connect-gmail) so a new sign-in grants the access.", "If it keeps failing, ask the administrator to grant consent to the app."],
  ewsAuth: [
    "Check the user name (DOMAIN\\user or the full address, as the server expects) and type the password again.",
    "Exchange Online no longer takes a password for EWS: connect with Microsoft (mailcfg connect-microsoft).",
    "If the account is right, EWS may be turned off for it: ask the Exchange administrator.",
  ],
  ewsUrl: ["Check the EWS URL: it usually ends in /EWS/Exchange.asmx (https://mail.company.com/EWS/Exchange.asmx).", "Open it in a browser: it should ask for a login, not show 'not found'."],
} as const satisfies Record<string, readonly string[]>;

type FixKey = keyof typeof FIX;

// ---------------------------------------------------------------------------
// Enhanced status codes: the IANA registry, each with its source.

interface EnhancedRow {
  /** subject.detail, e.g. "7.8". */
  detail: string;
  /** The registry's name for it. */
  name: string;
  rfc: string;
  /** Category for class 5 (permanent). */
  cat: SignalCategory;
  fix: FixKey;
  /** Category for class 4 when it is not `server`: the subject is clearly the address, mailbox or message. */
  cat4?: SignalCategory;
  fix4?: FixKey;
  /** What senders meet this code for, when it differs from the registry's name. */
  note?: string;
  /** A catch-all detail (x.0.0, x.5.1 ...): a specific basic reply code says more. */
  generic?: true;
}

const R3463 = "RFC 3463";
const R4954 = "RFC 4954";
const R5248 = "RFC 5248";
const R6531 = "RFC 6531";
const R6710 = "RFC 6710";
const R7293 = "RFC 7293";
const R7372 = "RFC 7372";
const R7505 = "RFC 7505";

/**
 * Every enumerated code of the IANA "SMTP Enhanced Status Codes" registry (updated
 * 2024-12-06). Class 4 is always transient; its category is `server` unless cat4 says
 * the subject is the sender, recipient or message.
 */
export const ENHANCED: readonly EnhancedRow[] = [
  { detail: "0.0", name: "other undefined status", rfc: R3463, cat: "rejected", fix: "policy", generic: true },
  { detail: "1.0", name: "other address status", rfc: R3463, cat: "rejected", fix: "recipient", cat4: "rejected", fix4: "retry", generic: true },
  { detail: "1.1", name: "bad destination mailbox address", rfc: R3463, cat: "rejected", fix: "recipient", cat4: "rejected", fix4: "retry" },
  { detail: "1.2", name: "bad destination system address", rfc: R3463, cat: "rejected", fix: "recipient", cat4: "rejected", fix4: "retry" },
  { detail: "1.3", name: "bad destination mailbox address syntax", rfc: R3463, cat: "rejected", fix: "recipient" },
  { detail: "1.4", name: "destination mailbox address ambiguous", rfc: R3463, cat: "rejected", fix: "recipient" },
  { detail: "1.5", name: "destination address valid", rfc: R3463, cat: "rejected", fix: "recipient" },
  { detail: "1.6", name: "destination mailbox has moved, no forwarding address", rfc: R3463, cat: "rejected", fix: "recipient" },
  { detail: "1.7", name: "bad sender's mailbox address syntax", rfc: R3463, cat: "rejected", fix: "sender", cat4: "rejected", fix4: "sender" },
  { detail: "1.8", name: "bad sender's system address", rfc: R3463, cat: "rejected", fix: "sender", cat4: "rejected", fix4: "sender", note: "the sender's domain does not resolve or is refused" },
  { detail: "1.9", name: "message relayed to non-compliant mailer", rfc: "RFC 3886", cat: "rejected", fix: "recipient" },
  { detail: "1.10", name: "recipient address has null MX", rfc: R7505, cat: "rejected", fix: "recipient" },
  { detail: "2.0", name: "other or undefined mailbox status", rfc: R3463, cat: "rejected", fix: "recipient", cat4: "rejected", fix4: "mailbox", generic: true },
  { detail: "2.1", name: "mailbox disabled, not accepting messages", rfc: R3463, cat: "rejected", fix: "mailbox", cat4: "rejected", fix4: "mailbox" },
  { detail: "2.2", name: "mailbox full", rfc: R3463, cat: "rejected", fix: "mailbox", cat4: "rejected", fix4: "mailbox" },
  { detail: "2.3", name: "message length exceeds administrative limit", rfc: R3463, cat: "rejected", fix: "size", cat4: "rejected", fix4: "size" },
  { detail: "2.4", name: "mailing list expansion problem", rfc: R3463, cat: "rejected", fix: "recipient" },
  { detail: "3.0", name: "other or undefined mail system status", rfc: R3463, cat: "rejected", fix: "policy", generic: true },
  { detail: "3.1", name: "mail system full", rfc: R3463, cat: "server", fix: "retry" },
  { detail: "3.2", name: "system not accepting network messages", rfc: R3463, cat: "server", fix: "wrongServer", note: "this host does not take mail (RFC 7504 uses it with 521/556)" },
  { detail: "3.3", name: "system not capable of selected features", rfc: R3463, cat: "rejected", fix: "content" },
  { detail: "3.4", name: "message too big for system", rfc: R3463, cat: "rejected", fix: "size", cat4: "rejected", fix4: "size" },
  { detail: "3.5", name: "system incorrectly configured", rfc: R3463, cat: "server", fix: "wrongServer" },
  { detail: "3.6", name: "requested priority was changed", rfc: R6710, cat: "rejected", fix: "policy" },
  { detail: "4.0", name: "other or undefined network or routing status", rfc: R3463, cat: "rejected", fix: "routing", generic: true },
  { detail: "4.1", name: "no answer from host", rfc: R3463, cat: "rejected", fix: "routing", note: "Microsoft 365 also uses 5.4.1 for a recipient it refuses (Access denied)" },
  { detail: "4.2", name: "bad connection", rfc: R3463, cat: "rejected", fix: "routing" },
  { detail: "4.3", name: "directory server failure", rfc: R3463, cat: "rejected", fix: "routing" },
  { detail: "4.4", name: "unable to route", rfc: R3463, cat: "rejected", fix: "routing" },
  { detail: "4.5", name: "mail system congestion", rfc: R3463, cat: "server", fix: "retry" },
  { detail: "4.6", name: "routing loop detected", rfc: R3463, cat: "rejected", fix: "routing" },
  { detail: "4.7", name: "delivery time expired", rfc: R3463, cat: "rejected", fix: "routing" },
  { detail: "5.0", name: "other or undefined protocol status", rfc: R3463, cat: "server", fix: "protocol", generic: true },
  { detail: "5.1", name: "invalid command", rfc: R3463, cat: "server", fix: "protocol", generic: true },
  { detail: "5.2", name: "syntax error", rfc: R3463, cat: "server", fix: "protocol", generic: true },
  { detail: "5.3", name: "too many recipients", rfc: R3463, cat: "rejected", fix: "recipients", cat4: "rejected", fix4: "recipients" },
  { detail: "5.4", name: "invalid command arguments", rfc: R3463, cat: "rejected", fix: "sender", generic: true, note: "usually an address or parameter the server refuses" },
  { detail: "5.5", name: "wrong protocol version", rfc: R3463, cat: "server", fix: "protocol" },
  { detail: "5.6", name: "authentication exchange line is too long", rfc: R4954, cat: "auth", fix: "mechanism" },
  { detail: "6.0", name: "other or undefined media error", rfc: R3463, cat: "rejected", fix: "content", cat4: "rejected", fix4: "content" },
  { detail: "6.1", name: "media not supported", rfc: R3463, cat: "rejected", fix: "content" },
  { detail: "6.2", name: "conversion required and prohibited", rfc: R3463, cat: "rejected", fix: "content" },
  { detail: "6.3", name: "conversion required but not supported", rfc: R3463, cat: "rejected", fix: "content" },
  { detail: "6.4", name: "conversion with loss performed", rfc: R3463, cat: "rejected", fix: "content" },
  { detail: "6.5", name: "conversion failed", rfc: R3463, cat: "rejected", fix: "content" },
  { detail: "6.6", name: "message content not available", rfc: "RFC 4468", cat: "rejected", fix: "content" },
  { detail: "6.7", name: "non-ASCII addresses not permitted for that sender/recipient", rfc: R6531, cat: "rejected", fix: "recipient" },
  { detail: "6.8", name: "UTF-8 string reply is required, but not permitted by the SMTP client", rfc: R6531, cat: "rejected", fix: "recipient" },
  { detail: "6.9", name: "UTF-8 header message cannot be transferred to one or more recipients", rfc: R6531, cat: "rejected", fix: "recipient" },
  { detail: "6.10", name: "UTF-8 string reply is required, but not permitted by the SMTP client (duplicate of X.6.8)", rfc: R6531, cat: "rejected", fix: "recipient" },
  { detail: "7.0", name: "other or undefined security status", rfc: `${R3463}; ${R4954} (5.7.0 authentication required, 4.7.0 temporary authentication failure)`, cat: "rejected", fix: "policy", generic: true },
  { detail: "7.1", name: "delivery not authorized, message refused", rfc: R3463, cat: "rejected", fix: "policy", note: "a relay refusal, a blocked sender or a content policy" },
  { detail: "7.2", name: "mailing list expansion prohibited", rfc: R3463, cat: "rejected", fix: "policy" },
  { detail: "7.3", name: "security conversion required but not possible", rfc: R3463, cat: "auth", fix: "login", note: "Microsoft 365 and Exchange answer a refused login with 535 5.7.3" },
  { detail: "7.4", name: "security features not supported", rfc: R3463, cat: "auth", fix: "mechanism", cat4: "ssl", fix4: "tlsRequired", note: "Exchange answers an AUTH method it does not offer with 504 5.7.4; Postfix defers with 4.7.4 when TLS is required but not offered" },
  { detail: "7.5", name: "cryptographic failure", rfc: R3463, cat: "ssl", fix: "tlsProtocol", cat4: "ssl", fix4: "certUntrusted", note: "Postfix defers with 4.7.5 when the server certificate does not verify" },
  { detail: "7.6", name: "cryptographic algorithm not supported", rfc: R3463, cat: "ssl", fix: "tlsProtocol", cat4: "ssl", fix4: "tlsProtocol" },
  { detail: "7.7", name: "message integrity failure", rfc: R3463, cat: "rejected", fix: "content" },
  { detail: "7.8", name: "authentication credentials invalid", rfc: R4954, cat: "auth", fix: "login" },
  { detail: "7.9", name: "authentication mechanism is too weak", rfc: R4954, cat: "auth", fix: "appPassword", note: "Gmail asks for an app password with 534 5.7.9" },
  { detail: "7.10", name: "encryption needed", rfc: R5248, cat: "ssl", fix: "tlsRequired", cat4: "ssl", fix4: "tlsRequired" },
  { detail: "7.11", name: "encryption required for requested authentication mechanism", rfc: R4954, cat: "ssl", fix: "tlsRequired", cat4: "ssl", fix4: "tlsRequired" },
  { detail: "7.12", name: "a password transition is needed", rfc: R4954, cat: "auth", fix: "passwordChange", cat4: "auth", fix4: "passwordChange" },
  { detail: "7.13", name: "user account disabled", rfc: R5248, cat: "auth", fix: "accountDisabled", cat4: "auth", fix4: "accountDisabled" },
  { detail: "7.14", name: "trust relationship required", rfc: R5248, cat: "auth", fix: "appPassword", note: "Gmail asks for a browser sign-in with 534 5.7.14" },
  { detail: "7.15", name: "priority level is too low", rfc: R6710, cat: "rejected", fix: "policy" },
  { detail: "7.16", name: "message is too big for the specified priority", rfc: R6710, cat: "rejected", fix: "size" },
  { detail: "7.17", name: "mailbox owner has changed", rfc: R7293, cat: "rejected", fix: "recipient" },
  { detail: "7.18", name: "domain owner has changed", rfc: R7293, cat: "rejected", fix: "recipient" },
  { detail: "7.19", name: "RRVS test cannot be completed", rfc: R7293, cat: "rejected", fix: "recipient" },
  { detail: "7.20", name: "no passing DKIM signature found", rfc: R7372, cat: "rejected", fix: "senderAuth", cat4: "rejected", fix4: "senderAuth" },
  { detail: "7.21", name: "no acceptable DKIM signature found", rfc: R7372, cat: "rejected", fix: "senderAuth", cat4: "rejected", fix4: "senderAuth" },
  { detail: "7.22", name: "no valid author-matched DKIM signature found", rfc: R7372, cat: "rejected", fix: "senderAuth", cat4: "rejected", fix4: "senderAuth" },
  { detail: "7.23", name: "SPF validation failed", rfc: R7372, cat: "rejected", fix: "senderAuth", cat4: "rejected", fix4: "senderAuth" },
  { detail: "7.24", name: "SPF validation error", rfc: R7372, cat: "rejected", fix: "senderAuth", cat4: "rejected", fix4: "senderAuth" },
  { detail: "7.25", name: "reverse DNS validation failed", rfc: R7372, cat: "rejected", fix: "senderAuth", cat4: "rejected", fix4: "senderAuth" },
  { detail: "7.26", name: "multiple authentication checks failed", rfc: R7372, cat: "rejected", fix: "senderAuth", cat4: "rejected", fix4: "senderAuth" },
  { detail: "7.27", name: "sender address has null MX", rfc: R7505, cat: "rejected", fix: "sender" },
  { detail: "7.28", name: "mail flood detected", rfc: "IANA registration (draft-levine-mailbomb-header)", cat: "rejected", fix: "policy", cat4: "rejected", fix4: "retry" },
  { detail: "7.29", name: "ARC validation failure", rfc: "RFC 8617", cat: "rejected", fix: "senderAuth" },
  { detail: "7.30", name: "REQUIRETLS support required", rfc: "RFC 8689", cat: "auth", fix: "login", note: "Microsoft 365 uses 535 5.7.30 for 'basic authentication is not supported'" },
];

const ENHANCED_BY_DETAIL = new Map(ENHANCED.map((r) => [r.detail, r]));

/** Subject defaults for details no registry row names (a provider's own, e.g. 5.7.139). */
const SUBJECT_DEFAULT: Record<string, { cat: SignalCategory; fix: FixKey; name: string }> = {
  "0": { cat: "rejected", fix: "policy", name: "other or undefined status" },
  "1": { cat: "rejected", fix: "recipient", name: "addressing status" },
  "2": { cat: "rejected", fix: "mailbox", name: "mailbox status" },
  "3": { cat: "rejected", fix: "policy", name: "mail system status" },
  "4": { cat: "rejected", fix: "routing", name: "network and routing status" },
  "5": { cat: "server", fix: "protocol", name: "mail delivery protocol status" },
  "6": { cat: "rejected", fix: "content", name: "message content or media status" },
  "7": { cat: "rejected", fix: "policy", name: "security or policy status" },
};

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

interface ReplyRow {
  code: number;
  name: string;
  rfc: string;
  cat: SignalCategory;
  fix: FixKey;
  /** Says more than a catch-all enhanced code (x.0.0, x.5.1, x.7.0 ...) next to it. */
  specific?: true;
}

const R5321 = "RFC 5321";
export const REPLIES: readonly ReplyRow[] = [
  { code: 421, name: "service not available, closing the connection", rfc: R5321, cat: "server", fix: "retry" },
  { code: 432, name: "a password transition is needed", rfc: R4954, cat: "auth", fix: "passwordChange", specific: true },
  { code: 450, name: "mailbox unavailable (busy or temporarily blocked)", rfc: R5321, cat: "server", fix: "retry" },
  { code: 451, name: "local error in processing", rfc: R5321, cat: "server", fix: "retry" },
  { code: 452, name: "insufficient system storage (or too many recipients for now)", rfc: R5321, cat: "server", fix: "retry" },
  { code: 454, name: "TLS or authentication temporarily unavailable", rfc: `${R4954}; RFC 3207`, cat: "server", fix: "retry", specific: true },
  { code: 455, name: "server unable to accommodate parameters", rfc: R5321, cat: "server", fix: "retry" },
  { code: 500, name: "syntax error, command unrecognised", rfc: R5321, cat: "server", fix: "protocol" },
  { code: 501, name: "syntax error in parameters or arguments (often an address)", rfc: R5321, cat: "rejected", fix: "sender", specific: true },
  { code: 502, name: "command not implemented", rfc: R5321, cat: "server", fix: "protocol" },
  { code: 503, name: "bad sequence of commands (often: log in first, or login not offered)", rfc: R5321, cat: "auth", fix: "authRequired" },
  { code: 504, name: "command parameter not implemented (often an AUTH method)", rfc: R5321, cat: "auth", fix: "mechanism", specific: true },
  { code: 521, name: "host does not accept mail", rfc: "RFC 7504", cat: "server", fix: "wrongServer", specific: true },
  { code: 530, name: "authentication required", rfc: R4954, cat: "auth", fix: "authRequired", specific: true },
  { code: 534, name: "authentication mechanism is too weak", rfc: R4954, cat: "auth", fix: "appPassword", specific: true },
  { code: 535, name: "authentication credentials invalid", rfc: R4954, cat: "auth", fix: "login", specific: true },
  { code: 538, name: "encryption required for requested authentication mechanism", rfc: R4954, cat: "ssl", fix: "tlsRequired", specific: true },
  { code: 550, name: "mailbox unavailable or action refused by policy", rfc: R5321, cat: "rejected", fix: "recipient" },
  { code: 551, name: "user not local", rfc: R5321, cat: "rejected", fix: "recipient" },
  { code: 552, name: "exceeded storage allocation (message too large or mailbox full)", rfc: R5321, cat: "rejected", fix: "size" },
  { code: 553, name: "mailbox name not allowed (often the sender address)", rfc: R5321, cat: "rejected", fix: "sender" },
  { code: 554, name: "transaction failed", rfc: R5321, cat: "rejected", fix: "policy" },
  { code: 555, name: "MAIL FROM/RCPT TO parameters not recognised", rfc: R5321, cat: "rejected", fix: "sender", specific: true },
  { code: 556, name: "domain does not accept mail", rfc: "RFC 7504", cat: "rejected", fix: "recipient", specific: true },
];

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

interface ErrnoRow {
  cat: SignalCategory;
  cause: string;
  fix: FixKey;
  transient: boolean;
}

const NODE = "Node.js error codes";
const X509 = "OpenSSL X509 verify result (Node err.code)";
const NSS = "NSS error code (Thunderbird)";
const OUTLOOK = "Outlook / Windows Mail error code (Microsoft support articles)";
const CURL = "libcurl error codes (curl/curl.h)";
const SCHANNEL = "Schannel SSPI status code (Windows, winerror.h)";

const ERRNO: Record<string, ErrnoRow & { source: string }> = {
  ECONNREFUSED: { cat: "server", cause: "Nothing accepts connections on that host and port (connection refused).", fix: "wrongServer", transient: false, source: NODE },
  ETIMEDOUT: { cat: "server", cause: "The server did not answer in time (connection or reply timed out): a wrong host or port, or a firewall dropping the traffic.", fix: "unreachable", transient: true, source: NODE },
  ESOCKETTIMEDOUT: { cat: "server", cause: "The connection went silent and timed out.", fix: "unreachable", transient: true, source: NODE },
  ENOTFOUND: { cat: "server", cause: "The server name does not exist in DNS (or is misspelt).", fix: "dnsName", transient: false, source: NODE },
  EAI_AGAIN: { cat: "server", cause: "DNS could not be asked right now (temporary name-resolution failure).", fix: "retry", transient: true, source: NODE },
  EAI_NONAME: { cat: "server", cause: "The server name does not resolve.", fix: "dnsName", transient: false, source: NODE },
  ECONNRESET: { cat: "server", cause: "The server (or something in between) dropped the connection.", fix: "unreachable", transient: true, source: NODE },
  ECONNABORTED: { cat: "server", cause: "The connection was aborted.", fix: "unreachable", transient: true, source: NODE },
  EHOSTUNREACH: { cat: "server", cause: "There is no route to the server's host.", fix: "unreachable", transient: true, source: NODE },
  ENETUNREACH: { cat: "server", cause: "The network the server is on cannot be reached from here.", fix: "unreachable", transient: true, source: NODE },
  EHOSTDOWN: { cat: "server", cause: "The server's host is down.", fix: "unreachable", transient: true, source: NODE },
  ENETDOWN: { cat: "server", cause: "This computer's network is down.", fix: "unreachable", transient: true, source: NODE },
  EPIPE: { cat: "server", cause: "The server closed the connection while mailcfg was still writing.", fix: "unreachable", transient: true, source: NODE },
  EADDRNOTAVAIL: { cat: "server", cause: "The address to connect to is not usable from this computer.", fix: "wrongServer", transient: false, source: NODE },
  EACCES: { cat: "server", cause: "This computer refused to open the connection (a local firewall or security policy blocks the port).", fix: "unreachable", transient: false, source: NODE },
  EPROTO: { cat: "ssl", cause: "The TLS layer failed (Node reports OpenSSL protocol errors as EPROTO): usually the security setting does not match the port.", fix: "tlsProtocol", transient: false, source: NODE },
  // nodemailer's own codes
  ECONNECTION: { cat: "server", cause: "nodemailer could not connect to the server.", fix: "wrongServer", transient: true, source: "nodemailer" },
  ESOCKET: { cat: "server", cause: "The connection to the server failed (nodemailer ESOCKET).", fix: "unreachable", transient: true, source: "nodemailer" },
  EDNS: { cat: "server", cause: "nodemailer could not resolve the server name.", fix: "dnsName", transient: false, source: "nodemailer" },
  ETLS: { cat: "ssl", cause: "The TLS handshake with the server failed (nodemailer ETLS).", fix: "tlsProtocol", transient: false, source: "nodemailer" },
  EAUTH: { cat: "auth", cause: "The server refused the login (nodemailer EAUTH).", fix: "login", transient: false, source: "nodemailer" },
  ENOAUTH: { cat: "auth", cause: "No credentials were given for a server that wants a login.", fix: "authRequired", transient: false, source: "nodemailer" },
  EOAUTH2: { cat: "oauth", cause: "The OAuth2 access token could not be obtained or was refused.", fix: "reconnect", transient: false, source: "nodemailer" },
  EENVELOPE: { cat: "rejected", cause: "The server refused the sender or every recipient (nodemailer EENVELOPE).", fix: "recipient", transient: false, source: "nodemailer" },
  EMESSAGE: { cat: "rejected", cause: "The server refused the message itself (nodemailer EMESSAGE).", fix: "policy", transient: false, source: "nodemailer" },
  EPROTOCOL: { cat: "server", cause: "The server did not speak SMTP as expected (nodemailer EPROTOCOL): often a wrong port.", fix: "protocol", transient: false, source: "nodemailer" },
  ESTREAM: { cat: "rejected", cause: "The message could not be read or built (nodemailer ESTREAM).", fix: "content", transient: false, source: "nodemailer" },
  // Node TLS
  ERR_TLS_CERT_ALTNAME_INVALID: { cat: "ssl", cause: "The server's certificate is for another host name.", fix: "certName", transient: false, source: NODE },
  ERR_TLS_HANDSHAKE_TIMEOUT: { cat: "ssl", cause: "The TLS handshake did not finish in time: often SSL/TLS against a port that expects STARTTLS (or the reverse).", fix: "tlsRequired", transient: false, source: NODE },
  ERR_TLS_INVALID_PROTOCOL_VERSION: { cat: "ssl", cause: "An invalid TLS protocol version was set.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_TLS_PROTOCOL_VERSION_CONFLICT: { cat: "ssl", cause: "Conflicting TLS version limits were set.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_TLS_DH_PARAM_SIZE: { cat: "ssl", cause: "The server offered weak Diffie-Hellman parameters.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_TLS_RENEGOTIATION_DISABLED: { cat: "ssl", cause: "The server tried to renegotiate TLS, which is disabled.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_SSL_WRONG_VERSION_NUMBER: { cat: "ssl", cause: "TLS met a plain-text answer: SSL/TLS was used on a port that starts unencrypted (STARTTLS, usually 587 or 25).", fix: "tlsRequired", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_PACKET_LENGTH_TOO_LONG: { cat: "ssl", cause: "TLS met a plain-text answer: SSL/TLS was used on a port that starts unencrypted.", fix: "tlsRequired", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_UNSUPPORTED_PROTOCOL: { cat: "ssl", cause: "The server only speaks a TLS version this computer no longer allows.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: { cat: "ssl", cause: "The server refused this TLS version.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: { cat: "ssl", cause: "No TLS version is allowed on both sides.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: { cat: "ssl", cause: "The server ended the TLS handshake: no common TLS version or cipher.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_DH_KEY_TOO_SMALL: { cat: "ssl", cause: "The server's Diffie-Hellman key is too small to be trusted.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_EE_KEY_TOO_SMALL: { cat: "ssl", cause: "The server's certificate key is too small to be trusted.", fix: "certUntrusted", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_CA_MD_TOO_WEAK: { cat: "ssl", cause: "The server's certificate is signed with a digest too weak to be trusted (MD5/SHA-1).", fix: "certUntrusted", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: { cat: "ssl", cause: "The server does not trust the certificate it was shown.", fix: "certUntrusted", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_UNEXPECTED_EOF_WHILE_READING: { cat: "ssl", cause: "The server closed the connection in the middle of the TLS handshake.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  // OpenSSL X509 verification results, as Node puts them in err.code
  CERT_HAS_EXPIRED: { cat: "ssl", cause: "The server's certificate has expired.", fix: "certDates", transient: false, source: X509 },
  CERT_NOT_YET_VALID: { cat: "ssl", cause: "The server's certificate is not valid yet (or this computer's clock is wrong).", fix: "certDates", transient: false, source: X509 },
  ERROR_IN_CERT_NOT_BEFORE_FIELD: { cat: "ssl", cause: "The server's certificate has an invalid start date.", fix: "certDates", transient: false, source: X509 },
  ERROR_IN_CERT_NOT_AFTER_FIELD: { cat: "ssl", cause: "The server's certificate has an invalid end date.", fix: "certDates", transient: false, source: X509 },
  CERT_REVOKED: { cat: "ssl", cause: "The server's certificate was revoked by its issuer.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_UNTRUSTED: { cat: "ssl", cause: "The server's certificate is not trusted for this purpose.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_REJECTED: { cat: "ssl", cause: "The server's certificate was rejected.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_SIGNATURE_FAILURE: { cat: "ssl", cause: "The server's certificate signature does not verify.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_CHAIN_TOO_LONG: { cat: "ssl", cause: "The server's certificate chain is too long.", fix: "certUntrusted", transient: false, source: X509 },
  DEPTH_ZERO_SELF_SIGNED_CERT: { cat: "ssl", cause: "The server's certificate is self-signed.", fix: "certUntrusted", transient: false, source: X509 },
  SELF_SIGNED_CERT_IN_CHAIN: { cat: "ssl", cause: "The server's certificate chain ends in a self-signed CA this computer does not trust (often a company CA or an antivirus scanning mail).", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_GET_ISSUER_CERT: { cat: "ssl", cause: "The issuer of the server's certificate is unknown here.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { cat: "ssl", cause: "The CA that signed the server's certificate is not trusted on this computer.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { cat: "ssl", cause: "The server sent its certificate without the intermediate CA, so it cannot be verified.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: { cat: "ssl", cause: "The server's certificate signature cannot be read.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: { cat: "ssl", cause: "The issuer key of the server's certificate cannot be read.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_GET_CRL: { cat: "ssl", cause: "The revocation list for the server's certificate could not be obtained.", fix: "certUntrusted", transient: false, source: X509 },
  INVALID_CA: { cat: "ssl", cause: "A CA certificate in the chain is invalid.", fix: "certUntrusted", transient: false, source: X509 },
  PATH_LENGTH_EXCEEDED: { cat: "ssl", cause: "The certificate chain is longer than its CA allows.", fix: "certUntrusted", transient: false, source: X509 },
  INVALID_PURPOSE: { cat: "ssl", cause: "The server's certificate is not for use by a server.", fix: "certUntrusted", transient: false, source: X509 },
  HOSTNAME_MISMATCH: { cat: "ssl", cause: "The server's certificate is for another host name.", fix: "certName", transient: false, source: X509 },
  // NSS (Thunderbird, Firefox)
  SEC_ERROR_UNKNOWN_ISSUER: { cat: "ssl", cause: "The server's certificate is signed by a CA this computer does not trust.", fix: "certUntrusted", transient: false, source: NSS },
  SEC_ERROR_EXPIRED_CERTIFICATE: { cat: "ssl", cause: "The server's certificate has expired.", fix: "certDates", transient: false, source: NSS },
  SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE: { cat: "ssl", cause: "The CA certificate that signed the server's certificate has expired.", fix: "certDates", transient: false, source: NSS },
  SSL_ERROR_BAD_CERT_DOMAIN: { cat: "ssl", cause: "The server's certificate is for another host name.", fix: "certName", transient: false, source: NSS },
  MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT: { cat: "ssl", cause: "The server's certificate is self-signed.", fix: "certUntrusted", transient: false, source: NSS },
  SSL_ERROR_RX_RECORD_TOO_LONG: { cat: "ssl", cause: "TLS met a plain-text answer: SSL/TLS was used on a port that starts unencrypted (STARTTLS).", fix: "tlsRequired", transient: false, source: NSS },
  SSL_ERROR_NO_CYPHER_OVERLAP: { cat: "ssl", cause: "The client and the server have no TLS cipher in common.", fix: "tlsProtocol", transient: false, source: NSS },
  SSL_ERROR_UNSUPPORTED_VERSION: { cat: "ssl", cause: "The server only speaks a TLS version that is no longer allowed.", fix: "tlsProtocol", transient: false, source: NSS },
  // Outlook and Windows Mail print HRESULTs, often with nothing else that says what failed.
  // 0x800CCC78 ("Cannot send the message") and 0x800CCC67 are left out: their meaning is the server reply beside them.
  // 0x800CCC0F alone is left out too: Outlook also shows it when the client or a mail
  // scanner breaks the connection; its words ("connection ... was interrupted") are a row.
  "0x800CCC0D": { cat: "server", cause: "Outlook cannot find the server (0x800CCC0D): its name does not resolve.", fix: "dnsName", transient: false, source: OUTLOOK },
  "0x800CCC0E": { cat: "server", cause: "Outlook cannot connect to the server (0x800CCC0E): a wrong host or port, or a firewall or antivirus blocking it.", fix: "wrongServer", transient: false, source: OUTLOOK },
  "0x800CCC13": { cat: "server", cause: "Outlook cannot connect to the network (0x800CCC13).", fix: "unreachable", transient: true, source: OUTLOOK },
  "0x800CCC1A": { cat: "ssl", cause: "The server does not support the encryption type set (0x800CCC1A): SSL/TLS and STARTTLS do not match the port.", fix: "tlsProtocol", transient: false, source: OUTLOOK },
  "0x800CCC92": { cat: "auth", cause: "The mail server rejected the login (0x800CCC92).", fix: "login", transient: false, source: OUTLOOK },
  "0x80042108": { cat: "server", cause: "Outlook cannot connect to the incoming (POP3/IMAP) server (0x80042108).", fix: "wrongServer", transient: false, source: OUTLOOK },
  "0x80042109": { cat: "server", cause: "Outlook cannot connect to the outgoing (SMTP) server (0x80042109): a wrong host or port, or a firewall or the provider blocking the port.", fix: "wrongServer", transient: false, source: OUTLOOK },
  "0x8004210A": { cat: "server", cause: "The receiving (POP3) server did not answer in time (0x8004210A).", fix: "unreachable", transient: true, source: OUTLOOK },
  "0x8004210B": { cat: "server", cause: "The sending (SMTP) server did not answer in time (0x8004210B).", fix: "unreachable", transient: true, source: OUTLOOK },
  // libcurl result codes (curl's exit status, PHP "cURL error N"), named as in curl/curl.h.
  CURLE_COULDNT_RESOLVE_HOST: { cat: "server", cause: "The server name does not resolve (curl 6).", fix: "dnsName", transient: false, source: CURL },
  CURLE_COULDNT_CONNECT: { cat: "server", cause: "Nothing answered on that host and port (curl 7).", fix: "wrongServer", transient: false, source: CURL },
  CURLE_OPERATION_TIMEDOUT: { cat: "server", cause: "The server did not answer in time (curl 28).", fix: "unreachable", transient: true, source: CURL },
  CURLE_SSL_CONNECT_ERROR: { cat: "ssl", cause: "The TLS handshake failed (curl 35): often SSL/TLS and STARTTLS do not match the port.", fix: "tlsProtocol", transient: false, source: CURL },
  CURLE_GOT_NOTHING: { cat: "server", cause: "The server closed the connection without answering (curl 52).", fix: "unreachable", transient: true, source: CURL },
  CURLE_RECV_ERROR: { cat: "server", cause: "Reading the server's answer failed (curl 56): the connection was reset or dropped.", fix: "unreachable", transient: true, source: CURL },
  CURLE_SSL_CERTPROBLEM: { cat: "ssl", cause: "The client certificate could not be used (curl 58).", fix: "tlsProtocol", transient: false, source: CURL },
  CURLE_SSL_CIPHER: { cat: "ssl", cause: "No usable TLS cipher (curl 59).", fix: "tlsProtocol", transient: false, source: CURL },
  CURLE_PEER_FAILED_VERIFICATION: { cat: "ssl", cause: "The server's certificate could not be verified (curl 60).", fix: "certUntrusted", transient: false, source: CURL },
  CURLE_USE_SSL_FAILED: { cat: "ssl", cause: "TLS was required but the server does not offer it (curl 64).", fix: "tlsRequired", transient: false, source: CURL },
  CURLE_LOGIN_DENIED: { cat: "auth", cause: "The server refused the login (curl 67).", fix: "login", transient: false, source: CURL },
  CURLE_SSL_CACERT_BADFILE: { cat: "ssl", cause: "The CA certificate file given could not be read (curl 77).", fix: "certUntrusted", transient: false, source: CURL },
  // Schannel (Windows TLS) HRESULTs, printed without their SEC_E_ names.
  "0x80090322": { cat: "ssl", cause: "The server's certificate is for another host name (SEC_E_WRONG_PRINCIPAL).", fix: "certName", transient: false, source: SCHANNEL },
  "0x80090325": { cat: "ssl", cause: "The server's certificate is signed by a CA this computer does not trust (SEC_E_UNTRUSTED_ROOT).", fix: "certUntrusted", transient: false, source: SCHANNEL },
  "0x80090326": { cat: "ssl", cause: "The TLS handshake received a message it did not expect (SEC_E_ILLEGAL_MESSAGE): often SSL/TLS and STARTTLS do not match the port.", fix: "tlsProtocol", transient: false, source: SCHANNEL },
  "0x80090328": { cat: "ssl", cause: "The server's certificate has expired (SEC_E_CERT_EXPIRED).", fix: "certDates", transient: false, source: SCHANNEL },
  "0x80090331": { cat: "ssl", cause: "Client and server have no TLS version or cipher in common (SEC_E_ALGORITHM_MISMATCH).", fix: "tlsProtocol", transient: false, source: SCHANNEL },
};

/** Families of codes not listed one by one. */
const ERRNO_FAMILIES: ReadonlyArray<readonly [RegExp, ErrnoRow & { source: string }]> = [
  [/^ERR_SSL_/, { cat: "ssl", cause: "The TLS handshake failed (OpenSSL error).", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" }],
  [/^ERR_TLS_/, { cat: "ssl", cause: "The TLS connection failed (Node TLS error).", fix: "tlsProtocol", transient: false, source: NODE }],
  [/^(CERT_|UNABLE_TO_|CRL_|X509_V_ERR_)/, { cat: "ssl", cause: "The server's certificate could not be verified.", fix: "certUntrusted", transient: false, source: X509 }],
  [/^(SEC_ERROR_|SSL_ERROR_|MOZILLA_PKIX_ERROR_)/, { cat: "ssl", cause: "The secure connection failed (NSS error).", fix: "certUntrusted", transient: false, source: NSS }],
];

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

type HttpRow = readonly [SignalCategory, FixKey, string];

const HTTP: Record<HttpContext | "any", Record<number, HttpRow>> = {
  ews: {
    400: ["rejected", "policy", "Exchange refused the request (HTTP 400 Bad Request)."],
    401: ["auth", "ewsAuth", "Exchange refused the login (HTTP 401 Unauthorized): wrong user name or password, or password login is off (Exchange Online)."],
    403: ["auth", "ewsAuth", "Exchange refused access (HTTP 403 Forbidden): EWS is turned off for the account, or the account may not use it."],
    404: ["server", "ewsUrl", "No EWS at that address (HTTP 404 Not Found): the EWS URL is wrong."],
    405: ["server", "ewsUrl", "That address does not take EWS requests (HTTP 405): the EWS URL is wrong."],
    413: ["rejected", "size", "The message is larger than Exchange accepts (HTTP 413)."],
    440: ["auth", "ewsAuth", "Exchange says the login session expired (HTTP 440 Login Timeout)."],
  },
  graph: {
    400: ["rejected", "policy", "Microsoft Graph refused the message (HTTP 400 Bad Request): a recipient or a part of the message is invalid."],
    401: ["oauth", "reconnect", "Microsoft Graph did not accept the access token (HTTP 401): it expired or was revoked."],
    403: ["oauth", "reconnect", "Microsoft Graph refused the call (HTTP 403): the app was not granted Mail.Send, or the mailbox may not send."],
    404: ["rejected", "sender", "Microsoft Graph does not find the mailbox (HTTP 404): the sender address has no Exchange Online mailbox."],
    413: ["rejected", "size", "The message is larger than Microsoft Graph accepts (HTTP 413)."],
  },
  oauth: {
    400: ["oauth", "reconnect", "The sign-in service refused the token request (HTTP 400): the grant expired, was revoked or is not valid."],
    401: ["oauth", "reconnect", "The sign-in service did not accept the app's credentials (HTTP 401 invalid_client)."],
    403: ["oauth", "reconnect", "The sign-in service refused access (HTTP 403)."],
    404: ["server", "wrongServer", "The sign-in address does not exist (HTTP 404): the tenant or the token URL is wrong."],
  },
  gmail: {
    400: ["rejected", "policy", "The Gmail API refused the message (HTTP 400): a header, a recipient or the account's state is invalid."],
    401: ["oauth", "reconnect", "The Gmail API did not accept the access token (HTTP 401): it expired or was revoked."],
    403: ["oauth", "reconnect", "The Gmail API refused the call (HTTP 403): a scope was not granted, or the API is not enabled for the project."],
    404: ["rejected", "sender", "The Gmail API does not find the account or item (HTTP 404)."],
    413: ["rejected", "size", "The message is larger than the Gmail API accepts (HTTP 413)."],
  },
  any: {
    400: ["rejected", "policy", "The server refused the request (HTTP 400 Bad Request)."],
    401: ["auth", "login", "The server refused the login (HTTP 401 Unauthorized)."],
    403: ["auth", "login", "The server refused access (HTTP 403 Forbidden)."],
    404: ["server", "wrongServer", "Nothing at that address (HTTP 404 Not Found): the URL is wrong."],
    405: ["server", "wrongServer", "That address does not take this request (HTTP 405)."],
    407: ["server", "unreachable", "A proxy between here and the server wants a login (HTTP 407)."],
    413: ["rejected", "size", "The message is larger than the server accepts (HTTP 413)."],
  },
};

const HTTP_SOURCE: Record<HttpContext | "any", string> = {
  ews: "RFC 9110 status code from Exchange Web Services",
  graph: "RFC 9110 status code from Microsoft Graph",
  oauth: "RFC 6749 / RFC 9110 status code from the OAuth token endpoint",
  gmail: "RFC 9110 status code from the Gmail API",
  any: "RFC 9110 HTTP status code",
};

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

/** curl prints its result code as a number: "curl: (56) ...", PHP "cURL error 28: ...". */
const CURL_CODES: Record<number, string> = {
  6: "CURLE_COULDNT_RESOLVE_HOST",
  7: "CURLE_COULDNT_CONNECT",
  28: "CURLE_OPERATION_TIMEDOUT",
  35: "CURLE_SSL_CONNECT_ERROR",
  52: "CURLE_GOT_NOTHING",
  56: "CURLE_RECV_ERROR",
  58: "CURLE_SSL_CERTPROBLEM",
  59: "CURLE_SSL_CIPHER",
  60: "CURLE_PEER_FAILED_VERIFICATION",
  64: "CURLE_USE_SSL_FAILED",
  67: "CURLE_LOGIN_DENIED",
  77: "CURLE_SSL_CACERT_BADFILE",
};
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
