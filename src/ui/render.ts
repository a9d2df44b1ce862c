import type { Theme } from "./theme.js";
import { PRODUCT_MESSAGES } from "../diagnosis/product-messages.js";
import { asMailError } from "../failures/error.js";
import { printable } from "./printable.js";

export { errorToJson, type JsonError } from "../failures/error.js";

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
