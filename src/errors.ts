import type { FailureFacts, Remedy } from "./failures/facts.js";

/**
 * Every failure a user can meet is a MailError with a category. The category decides
 * the exit code (only in main()) and the product message shown first; the hint says
 * what to do, the evidence is what the server or library actually said.
 */
export type Category =
  | "usage" // bad flags or input: exit 2
  | "domain" // Exchange domain not in the form company.com: exit 2
  | "config" // the config file itself is unreadable: exit 2
  | "auth"
  | "server"
  | "ssl"
  | "rejected"
  | "not-configured"
  | "oauth"
  | "cancelled"
  | "unknown";

export const EXIT_CODES: Record<Category, number> = {
  usage: 2,
  domain: 2,
  config: 2,
  auth: 3,
  server: 4,
  ssl: 5,
  rejected: 6,
  "not-configured": 7,
  oauth: 7,
  cancelled: 130,
  unknown: 1,
};

/**
 * The code of a send refused because the account reached a sending limit (the Gmail
 * API's 429): the message is fine and goes through later, so the queue retries it.
 */
export const SENDING_LIMIT_CODE = "rate_limited";

export interface MailErrorDetails {
  /** What to do about it, ending with the command to run next where there is one. */
  hint?: string;
  /** The server reply, TLS error or stage that failed, secrets already masked. */
  evidence?: string;
  /** The message the product shows for this failure, so support can match it. */
  productMessage?: string;
  /** The next mailcfg command to run. */
  next?: string;
  /** Machine-readable code: SMTP status, SOAP ResponseCode, OAuth error, errno. */
  code?: string;
  provider?: string;
  /** What happened, as the provider saw it (stage, codes, settings used). */
  facts?: FailureFacts;
  /** Whether trying again later can help; the queue retries only these. */
  transient?: boolean;
  /** A change of settings that fixes it, offered by the wizard. */
  remedy?: Remedy;
  /** The command that applies the remedy (or reconnects), keeping every other setting given. */
  remedyCommand?: string;
  /** The row of the failure table that decided the verdict. */
  rowId?: string;
  cause?: unknown;
}

export class MailError extends Error {
  override readonly name = "MailError";
  readonly category: Category;
  readonly details: MailErrorDetails;

  constructor(category: Category, message: string, details: MailErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.category = category;
    this.details = details;
  }

  get hint(): string | undefined {
    return this.details.hint;
  }
}

/** Bad input: names the field and the fix; exit 2; nothing stored changes. */
export class UsageError extends MailError {
  constructor(message: string, hint?: string) {
    super("usage", message, hint === undefined ? {} : { hint });
  }
}

export class NotConfiguredError extends MailError {
  constructor(message: string, next: string) {
    super("not-configured", message, { hint: `Run: ${next}`, next });
  }
}

export class CancelledError extends MailError {
  constructor() {
    super("cancelled", "Cancelled.");
  }
}

export function isMailError(e: unknown): e is MailError {
  return e instanceof MailError;
}

export function exitCodeFor(e: unknown): number {
  return isMailError(e) ? EXIT_CODES[e.category] : 1;
}
