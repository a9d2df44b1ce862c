import type { Owner, Profile } from "./types.js";
import { ownerArgs, ownerLabel } from "./types.js";

/**
 * The product's rule: a sender is trusted to send once a validation passed. A profile
 * saved without one (setup --no-validate), or whose last validation failed, is flagged
 * wherever it is chosen. Pure and small: status and route load no provider code.
 */
export type ValidationState = "ok" | "failing" | "never-validated";

export function validationState(p: Pick<Profile, "validation">): ValidationState {
  return !p.validation ? "never-validated" : p.validation.ok ? "ok" : "failing";
}

/** The warning for a chosen sender that is not validated, or undefined when it is. */
export function senderWarning(owner: Owner, p: Pick<Profile, "validation" | "email">): string | undefined {
  const state = validationState(p);
  if (state === "ok") return undefined;
  const who = `the ${ownerLabel(owner)} (${p.email})`;
  if (state === "never-validated") return `${who} has never been validated; run: mailcfg validate ${ownerArgs(owner)}`;
  const v = p.validation;
  return `${who} failed its last validation${v?.category ? ` [${v.category}]` : ""}${v?.at ? ` at ${v.at}` : ""}; run: mailcfg diagnose ${ownerArgs(owner)}`;
}
