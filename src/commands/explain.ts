import type { Context } from "../context.js";
import { EXIT_CODES, UsageError } from "../errors.js";
import { checkFor } from "../diagnosis/classify.js";
import { classify } from "../failures/classify.js";
import type { Verdict } from "../failures/verdict.js";
import { describeRemedy } from "../failures/remedy.js";
import { readStdin, type CommandResult } from "./shared.js";
import type { ExplainInput } from "../cli/explain.js";

export async function runExplain(ctx: Context, opts: ExplainInput): Promise<CommandResult> {
  // No words, or a lone "-": the text comes from standard input.
  let text = opts.words.length === 0 || (opts.words.length === 1 && opts.words[0] === "-") ? undefined : opts.words.join(" ");
  if (text === undefined) {
    if (ctx.io.stdinIsTTY) {
      throw new UsageError("Give the error text to explain.", 'Quote it as an argument (mailcfg explain "535 5.7.8 ...") or pipe it in (... | mailcfg explain).');
    }
    text = await readStdin(ctx);
  }
  if (text.trim() === "") throw new UsageError("The error text is empty.", 'Quote the error as an argument, e.g. mailcfg explain "535 5.7.8 ...".');

  const c = classify({ text });
  if (!opts.json) ctx.io.out.write(renderExplanation(ctx, c));
  return { data: explanationJson(c) };
}

/** The --json shape: every field always present (null when unknown), so scripts can rely on it. */
export function explanationJson(c: Verdict): Record<string, unknown> {
  return {
    category: c.category,
    exitCode: EXIT_CODES[c.category],
    recognized: c.rowId !== undefined,
    productMessage: c.productMessage ?? null,
    provider: c.provider ?? null,
    cause: c.cause,
    fix: c.fix,
    check: c.check ?? checkFor(c.category, c.provider),
    code: c.code ?? null,
    codes: c.codes,
    meanings: c.meanings ?? [],
    rowId: c.rowId ?? null,
    source: c.source ?? null,
    transient: c.transient,
    remedy: c.remedy ?? null,
  };
}

function renderExplanation(ctx: Context, c: Verdict): string {
  const t = ctx.theme;
  const lines: string[] = [];
  const known = c.rowId !== undefined;
  lines.push(`${t.bold("Category:")} ${c.category}${known ? "" : " (not recognised)"}  (mailcfg exit code ${EXIT_CODES[c.category]})`);
  if (c.productMessage) lines.push(`${t.bold("The product shows:")} "${c.productMessage}" ${t.dim("(its fixed wording for this category, not the server's reply)")}`);
  lines.push(`${t.bold("Provider:")} ${c.provider ?? "not recognisable from the text"}`);
  if (c.code) lines.push(`${t.bold("Code:")} ${c.code}`);
  for (const m of c.meanings ?? []) lines.push(`  ${m.code}: ${m.meaning}`);
  lines.push(`${t.bold("Cause:")} ${c.cause}`);
  lines.push(t.bold("Fix:"));
  c.fix.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
  lines.push(`${t.bold("Retry:")} ${c.transient ? "a later retry can help (the queue retries it)" : "retrying the same settings will fail the same way"}`);
  if (c.remedy) lines.push(`${t.bold("Change:")} ${describeRemedy(c.remedy)}`);
  lines.push(`${t.bold("Check with:")} ${t.cmd(c.check ?? checkFor(c.category, c.provider))}`);
  if (c.rowId) lines.push(t.dim(`(matched ${c.rowId}; source: ${c.source ?? "?"})`));
  return lines.join("\n") + "\n";
}
