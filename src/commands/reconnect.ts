import type { Owner, ProviderSettings } from "../config/types.js";
import { ownerArgs } from "../config/types.js";

/**
 * The command that connects an OAuth profile again, for `oauth` failures (revoked or
 * expired refresh token); undefined for profiles that sign in with a password.
 */
export function reconnectCommand(owner: Owner, s: ProviderSettings): string | undefined {
  if (s.type === "gmail") return `mailcfg connect-gmail ${ownerArgs(owner)}`;
  if (s.type === "webmail" && s.auth === "oauth2-microsoft") return `mailcfg connect-microsoft ${ownerArgs(owner)}${s.transport === "graph" ? " --via graph" : ""}`;
  return undefined;
}
