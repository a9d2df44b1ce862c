/**
 * Turns a failed Microsoft Graph request (the facts graph.ts recorded) into the failure
 * model's facts; the rows graph-* decide what they mean. Pure: no network, no library. Graph answers errors
 * as {"error": {"code": "ErrorAccessDenied", "message": "..."}} with an HTTP status, and
 * throttling as 429 (or 503) with Retry-After.
 */
import { MailError } from "../errors.js";
import type { FailureFacts } from "../failures/facts.js";
import { classify } from "../failures/classify.js";
import { failureError } from "../failures/error.js";

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

/** The admin-consent step for Graph's permissions, said the same way as at sign-in. */
const GRAPH_CONSENT_STEP =
  "In the app registration (Entra admin center > App registrations) > API permissions: add Microsoft Graph > Delegated > " +
  'Mail.Send and Mail.ReadWrite, then an administrator clicks "Grant admin consent"; then connect the account again.';

/** The facts of a failed Graph request, for the failure model to decide (rows graph-*). */
export function graphFacts(f: GraphFailureFacts): FailureFacts {
  return {
    stage: "api",
    ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
    ...(f.code ? { responseCode: f.code } : {}),
    ...(f.message ? { serverText: f.message } : {}),
    ...(f.errno ? { errno: f.errno } : {}),
    ...(f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : {}),
    ...(f.maybeDelivered ? { maybeDelivered: true } : {}),
    settings: { type: "webmail", auth: "oauth2-microsoft", transport: "graph", email: f.email, ...(f.url ? { url: f.url } : {}) },
  };
}

/** The message and the facts of a failed Graph request, as a classified MailError. */
export function graphFailure(f: GraphFailureFacts, cause?: unknown): MailError {
  const evidence =
    f.httpStatus !== undefined
      ? `Microsoft Graph ${f.op}: HTTP ${f.httpStatus}${f.code ? ` ${f.code}` : ""}${f.message ? `: ${f.message}` : ""}${f.retryAfterSeconds !== undefined ? ` (Retry-After: ${f.retryAfterSeconds})` : ""}`
      : `Microsoft Graph ${f.op}: ${f.message ?? f.errno ?? "no answer"}`;
  const facts = graphFacts(f);
  const v = classify({ facts, text: [f.errno, f.code, f.message].filter(Boolean).join("\n") });
  v.provider = "Microsoft Graph";
  v.code = f.code ?? (f.httpStatus !== undefined ? `http_${f.httpStatus}` : (f.errno ?? "no_answer"));
  const unanswered = f.httpStatus === undefined && !f.maybeDelivered;
  if (unanswered && v.category === "unknown") v.category = "server";
  const message = unanswered ? `Cannot reach Microsoft Graph${f.url ? ` at ${f.url}` : ""}: ${v.cause}` : v.cause;
  return failureError(v, message, { evidence, facts, ...(cause === undefined ? {} : { cause }) });
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
