import type { Context } from "../context.js";
import type { Owner, ProviderSettings } from "./types.js";
import { secretKey, secretKindFor } from "./types.js";

/**
 * Runs a refresh under the config folder's lock, handing it the refresh token as saved
 * now (another process may have rotated it since this one read it).
 */
export type SecretLock = <T>(refresh: (saved: string | undefined) => Promise<T>) => Promise<T>;

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

/**
 * For a saved profile: runs a token refresh holding the config folder's lock, with the
 * refresh token as saved now, so parallel runs rotate it one after the other instead of
 * all refreshing the same (then refused) token. The rotated token is saved inside it.
 */
export function savedSecretLock(ctx: Context, owner: Owner, settings: ProviderSettings): SecretLock {
  return async (refresh) => {
    const { withLock } = await import("./lock.js");
    const secrets = await ctx.secrets();
    return withLock(ctx.configDir, async () => refresh(await secrets.get(secretKey(owner, secretKindFor(settings)))));
  };
}
