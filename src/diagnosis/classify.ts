import rows from "./patterns.json" with { type: "json" };
import { MailError, type Category } from "../errors.js";
import { PRODUCT_MESSAGES } from "./product-messages.js";

/** One row of the knowledge table (patterns.json): add a row, not code. */
export interface PatternRow {
  id: string;
  pattern: string;
  category: Category;
  provider?: string;
  cause: string;
  fix: string[];
  source: string;
}

export interface Classification {
  category: Category;
  cause: string;
  fix: string[];
  provider?: string;
  /** The most specific status seen: enhanced (5.7.8) over basic (535). */
  code?: string;
  /** Every status code found in the text. */
  codes: string[];
  rowId?: string;
  productMessage?: string;
}

interface CompiledRow extends PatternRow {
  re: RegExp;
}

const TABLE: CompiledRow[] = (rows as PatternRow[]).map((r) => ({ ...r, re: new RegExp(r.pattern, "im") }));

export function patternTable(): readonly PatternRow[] {
  return TABLE;
}

/** Status codes in text: enhanced ones (RFC 3463, x.y.z) and three-digit SMTP replies. */
export function extractCodes(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\b([245]\.\d{1,3}\.\d{1,3})\b/g)) if (m[1]) found.add(m[1]);
  for (const m of text.matchAll(/(?:^|[\s(:"'])([2-5][0-9]{2})(?=[\s-]|$)/gm)) if (m[1]) found.add(m[1]);
  return [...found];
}

/** Classifies any error text: the first matching row wins (rows go specific to general). */
export function classifyText(text: string): Classification {
  const codes = extractCodes(text);
  const code = codes.find((c) => c.includes(".")) ?? codes[0];
  const row = TABLE.find((r) => r.re.test(text));
  if (!row) {
    const base: Classification = {
      category: "unknown",
      cause: "This error is not in mailcfg's table of known failures.",
      fix: ["Run mailcfg diagnose for the profile to see which stage fails."],
      codes,
    };
    return code ? { ...base, code } : base;
  }
  const out: Classification = { category: row.category, cause: row.cause, fix: row.fix, codes, rowId: row.id };
  if (row.provider) out.provider = row.provider;
  if (code) out.code = code;
  const product = PRODUCT_MESSAGES[row.category];
  if (product) out.productMessage = product;
  return out;
}

/** The text to classify from a thrown error: code, reply, message and causes. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 4; depth++) {
    if (typeof cur === "object") {
      const e = cur as { code?: unknown; response?: unknown; message?: unknown; reason?: unknown; cause?: unknown };
      if (typeof e.code === "string") parts.push(e.code);
      if (typeof e.response === "string") parts.push(e.response);
      if (typeof e.message === "string") parts.push(e.message);
      if (typeof e.reason === "string") parts.push(e.reason);
      cur = e.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join("\n");
}

export function classificationToError(c: Classification, message: string, evidence: string, next?: string, cause?: unknown): MailError {
  const hint = c.fix.join(" ") + (next ? ` Then run: ${next}` : "");
  return new MailError(c.category, `${message}: ${c.cause}`, {
    hint,
    evidence,
    ...(c.productMessage ? { productMessage: c.productMessage } : {}),
    ...(c.code ? { code: c.code } : {}),
    ...(c.provider ? { provider: c.provider } : {}),
    ...(next ? { next } : {}),
    cause,
  });
}
