import { MailError, isMailError } from "../errors.js";
import { PRODUCT_MESSAGES } from "../diagnosis/product-messages.js";
import type { Remedy } from "./facts.js";
import type { FailureFacts } from "./facts.js";
import type { Verdict } from "./verdict.js";

export interface FailureDetails {
  /** What the provider or server actually said, secrets already masked. */
  evidence?: string;
  facts?: FailureFacts;
  next?: string;
  cause?: unknown;
}

/** The error every command throws for a classified failure: the verdict, carried whole. */
export function failureError(v: Verdict, message: string, d: FailureDetails = {}): MailError {
  return new MailError(v.category, message, {
    hint: v.fix.join(" "),
    ...(d.evidence ? { evidence: d.evidence } : {}),
    ...(v.productMessage ? { productMessage: v.productMessage } : {}),
    ...(v.code ? { code: v.code } : {}),
    ...(v.provider ? { provider: v.provider } : {}),
    ...(d.facts ? { facts: d.facts } : {}),
    transient: v.transient,
    ...(v.remedy ? { remedy: v.remedy } : {}),
    ...(v.rowId ? { rowId: v.rowId } : {}),
    ...(d.next ? { next: d.next } : {}),
    ...(d.cause === undefined ? {} : { cause: d.cause }),
  });
}

/** The shape of an error in --json output; stable for scripts. */
export interface JsonError {
  category: string;
  message: string;
  hint?: string;
  evidence?: string;
  productMessage?: string;
  code?: string;
  provider?: string;
  next?: string;
  /** Whether a later retry can help (the failure model's verdict). */
  transient?: boolean;
  /** A change of settings that fixes it, e.g. {"security":"tls"}. */
  remedy?: Remedy;
  /** The command that applies the remedy. */
  remedyCommand?: string;
  /** The failure table's row that decided it. */
  rowId?: string;
}

export function errorToJson(err: unknown): JsonError {
  const e = asMailError(err);
  const d = e.details;
  const out: JsonError = { category: e.category, message: e.message };
  const productMessage = d.productMessage ?? PRODUCT_MESSAGES[e.category];
  if (d.hint) out.hint = d.hint;
  if (d.evidence) out.evidence = d.evidence;
  if (productMessage) out.productMessage = productMessage;
  if (d.code) out.code = d.code;
  if (d.provider) out.provider = d.provider;
  if (d.next) out.next = d.next;
  if (d.transient !== undefined) out.transient = d.transient;
  if (d.remedy) out.remedy = d.remedy;
  if (d.remedyCommand) out.remedyCommand = d.remedyCommand;
  if (d.rowId) out.rowId = d.rowId;
  return out;
}

/** Any thrown value as a MailError: an unexpected one is category unknown (exit 1). */
export function asMailError(err: unknown): MailError {
  if (isMailError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MailError("unknown", `Unexpected error: ${message}`, {
    hint: "This is a bug in mailcfg if it repeats; run again with --debug (or MAILCFG_DEBUG=1) for the stack trace.",
    cause: err,
  });
}
