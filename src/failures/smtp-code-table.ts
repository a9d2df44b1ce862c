/**
 * What SMTP status codes mean, for signals.ts: every enhanced status code of the IANA
 * registry and the basic reply codes, each with the RFC that registered it. Data only.
 */
import type { FixKey, SignalCategory } from "./signal-fixes.js";

// ---------------------------------------------------------------------------
// Enhanced status codes: the IANA registry, each with its source.

export interface EnhancedRow {
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

export const R3463 = "RFC 3463";
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

/** Subject defaults for details no registry row names (a provider's own, e.g. 5.7.139). */
export const SUBJECT_DEFAULT: Record<string, { cat: SignalCategory; fix: FixKey; name: string }> = {
  "0": { cat: "rejected", fix: "policy", name: "other or undefined status" },
  "1": { cat: "rejected", fix: "recipient", name: "addressing status" },
  "2": { cat: "rejected", fix: "mailbox", name: "mailbox status" },
  "3": { cat: "rejected", fix: "policy", name: "mail system status" },
  "4": { cat: "rejected", fix: "routing", name: "network and routing status" },
  "5": { cat: "server", fix: "protocol", name: "mail delivery protocol status" },
  "6": { cat: "rejected", fix: "content", name: "message content or media status" },
  "7": { cat: "rejected", fix: "policy", name: "security or policy status" },
};

// ---------------------------------------------------------------------------
// Basic reply codes.

export interface ReplyRow {
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
