import { MailError } from "../errors.js";
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
