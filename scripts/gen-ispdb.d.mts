/** The ISPDB table as scripts/gen-ispdb.mjs writes it, and the entries it left out. */
export function generate(source?: string): Promise<{ text: string; skipped: string[]; commit: string }>;
export const DEFAULT_SOURCE: string;
export const OUT_DIR: string;
