import type { Context } from "../context.js";
import type { Owner, ProviderSettings } from "./types.js";
import { secretKey, secretKindFor } from "./types.js";

/**
 * For a saved profile: stores a rotated secret (Microsoft's new refresh token) in the
 * secret store as soon as it is issued, so it is kept even if the send then fails.
 * Every command that sends with a saved profile passes this to createProvider.
 */
export function rotatedSecretSaver(ctx: Context, owner: Owner, settings: ProviderSettings): (secret: string) => Promise<void> {
  return async (secret) => {
    const secrets = await ctx.secrets();
    await secrets.set(secretKey(owner, secretKindFor(settings)), secret);
  };
}
