import type { ProviderSettings } from "../config/types.js";
import { kindRow } from "../config/sender-kinds.js";

/** One line naming where a profile sends from and through what. */
export function describeSettings(s: ProviderSettings): string {
  return kindRow(s).describe(s);
}

/** The server a profile sends through, for tables. */
export function serverOf(s: ProviderSettings): string {
  return kindRow(s).server(s);
}
