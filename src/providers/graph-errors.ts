/**
 * Turns a failed Microsoft Graph request (the facts graph.ts recorded) into a classified
 * MailError. Pure: facts in, verdict out; no network, no library. Graph answers errors
 * as {"error": {"code": "ErrorAccessDenied", "message": "..."}} with an HTTP status, and
 * throttling as 429 (or 503) with Retry-After.
 */
import type { Category } from "../errors.js";
import { MailError } from "../errors.js";
import type { FailureFacts } from "../failures/facts.js";
import { classifyText } from "../diagnosis/classify.js";

export type GraphOp = "sendMail" | "createDraft" | "attach" | "createUploadSession" | "upload" | "send" | "deleteDraft";

export interface GraphFailureFacts {
  op: GraphOp;
  /** The mailbox the request was for. */
  email: string;
  httpStatus?: number;
  /** Graph's error.code (ErrorAccessDenied, MailboxNotEnabledForRESTAPI, ...). */
  code?: string;
  /** Graph's error.message, or the network error's text; secrets already masked. */
  message?: string;
  retryAfterSeconds?: number;
  /** No HTTP answer: Node's error code (ECONNREFUSED, ETIMEDOUT, UND_ERR_SOCKET...). */
  errno?: string;
  /** The request that sends (sendMail, send) was written but no answer came. */
  maybeDelivered?: boolean;
  url?: string;
}

interface Verdict {
  category: Category;
  cause: string;
  fix: string;
  transient?: boolean;
}

/** The admin-consent step for Graph's permissions, said the same way as at sign-in. */
const GRAPH_CONSENT_STEP =
  "In the app registration (Entra admin center > App registrations) > API permissions: add Microsoft Graph > Delegated > " +
  'Mail.Send and Mail.ReadWrite, then an administrator clicks "Grant admin consent"; then connect the account again.';

/** Rows by Graph error code; checked before the HTTP status. */
const BY_CODE: Record<string, (f: GraphFailureFacts) => Verdict> = {
  ErrorAccessDenied: (f) => ({
    category: "oauth",
    cause: `Microsoft Graph denied access to the mailbox ${f.email}: the token lacks Mail.Send, or the tenant's consent for the app is missing or was withdrawn.`,
    fix: GRAPH_CONSENT_STEP,
  }),
  ErrorSendAsDenied: (f) => ({
    category: "rejected",
    cause: `Exchange Online refused to send as the From address: ${f.email} has no Send As right on it.`,
    fix: "Send from the mailbox's own address, or an Exchange administrator grants Send As (Add-RecipientPermission <from> -AccessRights SendAs -Trustee " + f.email + ").",
  }),
  MailboxNotEnabledForRESTAPI: (f) => ({
    category: "rejected",
    cause: `The mailbox ${f.email} cannot be used with Microsoft Graph (MailboxNotEnabledForRESTAPI): it has no Exchange Online licence, is inactive or soft-deleted, or is hosted on an on-premises Exchange server.`,
    fix:
      "Give the user an Exchange Online licence (Microsoft 365 admin center > Users > Licenses), or for an on-premises mailbox send over SMTP " +
      "(mailcfg connect-microsoft ... --via smtp) or EWS (mailcfg setup ... --type exchange).",
  }),
  ErrorQuotaExceeded: (f) => ({
    category: "rejected",
    cause: `The mailbox ${f.email} is full: Exchange Online cannot save the message (Sent Items counts too).`,
    fix: "Free space in the mailbox, or an administrator raises its quota.",
  }),
  ErrorMessageSizeExceeded: () => ({
    category: "rejected",
    cause: "The message is larger than the mailbox may send (Exchange Online's message size limit, 35 MB by default).",
    fix: "Send smaller or fewer attachments, or an administrator raises the mailbox's MaxSendSize (Set-Mailbox -MaxSendSize).",
  }),
  ErrorInvalidRecipients: () => ({
    category: "rejected",
    cause: "Exchange Online refused a recipient address of the message.",
    fix: "Check the recipient addresses.",
  }),
  ErrorMimeContentInvalidBase64String: () => ({
    category: "unknown",
    cause: "Microsoft Graph could not read the message mailcfg sent (invalid base64 MIME).",
    fix: "This is a bug in mailcfg; report it with the evidence.",
  }),
};

const THROTTLED = (f: GraphFailureFacts): Verdict => ({
  category: "server",
  cause:
    f.httpStatus === 429
      ? `Microsoft Graph is throttling the mailbox ${f.email} (429: too many requests)${f.retryAfterSeconds !== undefined ? `; it asks to wait ${f.retryAfterSeconds} s` : ""}.`
      : `Microsoft Graph is unavailable just now (${f.httpStatus})${f.retryAfterSeconds !== undefined ? `; it asks to wait ${f.retryAfterSeconds} s` : ""}.`,
  fix: "Send it again later; the queue waits at least as long as Graph asked. Exchange Online allows 30 messages a minute and 4 requests at once per mailbox.",
  transient: true,
});

/** Rows by HTTP status, when no code row decided. */
function byStatus(f: GraphFailureFacts): Verdict | undefined {
  const s = f.httpStatus;
  if (s === 401) {
    return {
      category: "oauth",
      cause: `Microsoft Graph did not accept the access token of ${f.email}, even a freshly refreshed one (401).`,
      fix: "Connect the account again.",
    };
  }
  if (s === 403) {
    return {
      category: "oauth",
      cause: `Microsoft Graph refused the request for ${f.email} (403): the token lacks the permission (Mail.Send${f.op === "sendMail" ? "" : ", Mail.ReadWrite"}) or consent is missing.`,
      fix: GRAPH_CONSENT_STEP,
    };
  }
  if (s === 413) return BY_CODE.ErrorMessageSizeExceeded?.(f);
  if (s === 429 || s === 503) return THROTTLED(f);
  if (s !== undefined && s >= 500) {
    return { category: "server", cause: `Microsoft Graph failed (HTTP ${s}).`, fix: "Try again in a few minutes.", transient: true };
  }
  if (s === 400) return { category: "rejected", cause: `Microsoft Graph refused the message: ${f.message ?? "bad request"}.`, fix: "Check the recipients and headers of the message." };
  return undefined;
}

/** The message and the facts of a failed Graph request, as a classified MailError. */
export function graphFailure(f: GraphFailureFacts, cause?: unknown): MailError {
  const v = verdict(f);
  const evidence =
    f.httpStatus !== undefined
      ? `Microsoft Graph ${f.op}: HTTP ${f.httpStatus}${f.code ? ` ${f.code}` : ""}${f.message ? `: ${f.message}` : ""}${f.retryAfterSeconds !== undefined ? ` (Retry-After: ${f.retryAfterSeconds})` : ""}`
      : `Microsoft Graph ${f.op}: ${f.message ?? f.errno ?? "no answer"}`;
  const facts: FailureFacts = {
    stage: "api",
    ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
    ...(f.code ? { responseCode: f.code } : {}),
    ...(f.message ? { serverText: f.message } : {}),
    ...(f.errno ? { errno: f.errno } : {}),
    ...(f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : {}),
    ...(f.maybeDelivered ? { maybeDelivered: true } : {}),
    settings: { type: "webmail", auth: "oauth2-microsoft", email: f.email, ...(f.url ? { url: f.url } : {}) },
  };
  return new MailError(v.category, v.cause, {
    hint: v.fix,
    evidence,
    provider: "Microsoft Graph",
    code: f.code ?? (f.httpStatus !== undefined ? `http_${f.httpStatus}` : (f.errno ?? "no_answer")),
    facts,
    // A send that may have arrived is not retried by itself: a second copy is worse than a question.
    ...(v.transient !== undefined ? { transient: v.transient && !f.maybeDelivered } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}

function verdict(f: GraphFailureFacts): Verdict {
  if (f.httpStatus === undefined) {
    const c = classifyText(`${f.errno ?? ""} ${f.message ?? ""}`);
    const where = f.url ? ` at ${f.url}` : "";
    if (f.maybeDelivered) {
      return {
        category: "server",
        cause: `The connection to Microsoft Graph${where} was lost after the message was handed over; it may have been sent.`,
        fix: "Look in the mailbox's Sent Items before sending it again.",
        transient: false,
      };
    }
    return { category: c.category === "unknown" ? "server" : c.category, cause: `Cannot reach Microsoft Graph${where}: ${c.cause}`, fix: c.fix.join(" "), transient: true };
  }
  const row = f.code ? BY_CODE[f.code] : undefined;
  if (row) return row(f);
  return (
    byStatus(f) ?? {
      category: "unknown",
      cause: `Microsoft Graph answered HTTP ${f.httpStatus}${f.code ? ` ${f.code}` : ""}: ${f.message ?? ""}`.trim(),
      fix: "Read the evidence; run mailcfg diagnose for the profile.",
    }
  );
}

/** Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const t = header.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The error a send-only connection (Mail.Send alone) meets with a message over the request limit. */
export function needsReadWrite(email: string, bytes: number): MailError {
  return new MailError(
    "oauth",
    `The message (${(bytes / 1024 / 1024).toFixed(1)} MB as Graph sends it) is over Microsoft Graph's 4 MB request limit, and the connection of ${email} was made with --send-only (Mail.Send alone).`,
    {
      hint:
        "Larger messages go through a draft and an upload session, which need Mail.ReadWrite: connect again without --send-only " +
        "(mailcfg connect-microsoft company|user <id> --via graph), after the permission is granted. " +
        GRAPH_CONSENT_STEP,
      provider: "Microsoft Graph",
      code: "mail_readwrite_needed",
      facts: { stage: "api", settings: { type: "webmail", auth: "oauth2-microsoft", email } },
      transient: false,
    },
  );
}
