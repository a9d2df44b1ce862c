import type { Category } from "../errors.js";
import type { CodeMeaning } from "../diagnosis/status-codes.js";
import type { Remedy } from "./facts.js";

/** What a failure means: the one answer every command gives for it. */
export interface Verdict {
  category: Category;
  cause: string;
  fix: string[];
  provider?: string;
  /** The most specific code seen: AADSTS, enhanced status (5.7.8), EWS ResponseCode, basic reply, errno. */
  code?: string;
  /** Every SMTP/HTTP status code found, enhanced (RFC 3463) and basic. */
  codes: string[];
  /** What each status code means by itself. */
  meanings?: CodeMeaning[];
  /** The row of the failure table that decided it; unset when nothing matched. */
  rowId?: string;
  source?: string;
  /** The product's own wording for this category (its help article). */
  productMessage?: string;
  /** The mailcfg command that checks it; "company|user <id>" stands for the sender. */
  check?: string;
  /** Will trying again later help? The queue retries only these. */
  transient: boolean;
  /** A change of settings that fixes it. */
  remedy?: Remedy;
}
