import type { Theme } from "./theme.js";
import { MailError, isMailError } from "../errors.js";
import { PRODUCT_MESSAGES } from "../diagnosis/product-messages.js";
import type { Remedy } from "../failures/facts.js";
import { printable } from "./printable.js";

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

/**
 * Human rendering, in the order support staff need it: what the product would have
 * shown, what actually happened, the evidence, then what to do and the next command.
 */
export function renderError(err: unknown, theme: Theme): string {
  const e = asMailError(err);
  const d = e.details;
  const lines: string[] = [];
  const productMessage = d.productMessage ?? PRODUCT_MESSAGES[e.category];
  // A server's words, a file name or a subject can hold escape sequences: shown, not obeyed.
  // The product's fixed wording for the category, so nobody reads its "5.5.1" as the server's reply.
  if (productMessage) lines.push(theme.dim(`The product shows: "${printable(productMessage)}" (its fixed wording for this kind of failure, not the server's reply)`));
  lines.push(`${theme.bad("error")} [${e.category}]: ${printable(e.message)}`);
  if (d.evidence) lines.push(`  evidence: ${printable(d.evidence)}`);
  if (d.hint) lines.push(`  fix: ${printable(d.hint)}`);
  if (d.remedyCommand && d.remedyCommand !== d.next) lines.push(`  try: ${theme.cmd(printable(d.remedyCommand))}`);
  if (d.next && !(d.hint ?? "").includes(d.next)) lines.push(`  next: ${theme.cmd(printable(d.next))}`);
  return lines.join("\n") + "\n";
}

function asMailError(err: unknown): MailError {
  if (isMailError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MailError("unknown", `Unexpected error: ${message}`, {
    hint: "This is a bug in mailcfg if it repeats; run again with --debug (or MAILCFG_DEBUG=1) for the stack trace.",
    cause: err,
  });
}
