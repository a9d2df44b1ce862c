import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { secretKey, secretKindFor } from "../config/types.js";

/**
 * Saves the secret, then the profile; if the profile cannot be written the old secret
 * is put back, so a failure never leaves a new password beside an old profile.
 */
export async function saveProfileAndSecret(ctx: Context, owner: Owner, profile: Profile, secret: string | undefined): Promise<void> {
  const config = await ctx.config();
  if (secret === undefined) {
    config.saveProfile(owner, profile);
    return;
  }
  const secrets = await ctx.secrets();
  const key = secretKey(owner, secretKindFor(profile));
  const old = await secrets.get(key);
  await secrets.set(key, secret);
  try {
    config.saveProfile(owner, profile);
  } catch (err) {
    if (old === undefined) await secrets.delete(key);
    else await secrets.set(key, old);
    throw err;
  }
}

/** A profile as shown in output: everything saved (secrets never are). */
export function publicProfile(p: Profile): Record<string, unknown> {
  return { ...p };
}
