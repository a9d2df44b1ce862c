import type { MessageFields } from "../send/message.js";

/**
 * `queue add --from`: a JSON Lines file, one document per line, with the fields of the
 * `queue add` flags. Pure: turns each line into the flag record commander would have
 * made, or a problem naming the line. Blank lines are skipped.
 */

/** Field -> how the flag record holds it: one text, or a list of texts (repeatable flags). */
const FIELDS: Record<string, "one" | "list" | "vars"> = {
  doc: "one",
  to: "list",
  cc: "list",
  bcc: "list",
  user: "one",
  attach: "list",
  var: "vars",
  subject: "one",
};

export interface BatchLine {
  line: number;
  /** The fields as the flags would give them, each checked for its type. */
  raw: MessageFields;
}

export function parseBatchLines(text: string): { lines: BatchLine[]; problems: string[] } {
  const lines: BatchLine[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((source, i) => {
    const line = i + 1;
    if (source.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      problems.push(`line ${line}: not JSON (${err instanceof Error ? err.message : String(err)}).`);
      return;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      problems.push(`line ${line}: give one JSON object per line, e.g. {"doc":"invoice","to":"ap@customer.test","var":{"number":"INV-1"}}.`);
      return;
    }
    const raw: Record<string, string | string[]> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const kind = FIELDS[key];
      if (!kind) {
        problems.push(`line ${line}: unknown field "${key}" (known: ${Object.keys(FIELDS).join(", ")}).`);
        continue;
      }
      const problem = checkField(key, kind, v, raw);
      if (problem) problems.push(`line ${line}: ${problem}`);
    }
    if (raw.doc === undefined) problems.push(`line ${line}: "doc" is missing (the document kind, e.g. "invoice").`);
    if (raw.to === undefined) problems.push(`line ${line}: "to" is missing (a recipient address, or a list of them).`);
    lines.push({ line, raw: raw as MessageFields });
  });
  if (lines.length === 0 && problems.length === 0) problems.push("the file has no lines: nothing to queue.");
  return { lines, problems };
}

function checkField(key: string, kind: "one" | "list" | "vars", v: unknown, raw: Record<string, string | string[]>): string | undefined {
  if (kind === "one") {
    if (typeof v !== "string") return `"${key}" must be a text.`;
    raw[key] = v;
  } else if (kind === "list") {
    const list = typeof v === "string" ? [v] : v;
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) return `"${key}" must be a text or a list of texts.`;
    raw[key] = list;
  } else {
    if (!v || typeof v !== "object" || Array.isArray(v)) return `"var" must be an object of name: value, e.g. {"number":"INV-1"}.`;
    const pairs: string[] = [];
    for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
      if (typeof value !== "string" && typeof value !== "number") return `var "${name}" must be a text or a number.`;
      pairs.push(`${name}=${String(value)}`);
    }
    raw.var = pairs;
  }
  return undefined;
}
