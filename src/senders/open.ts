import { protocolLog, type Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { ownerArgs, ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import { NotConfiguredError, isMailError } from "../errors.js";
import { createProvider } from "../providers/index.js";
import { rotatedSecretSaver, savedSecretLock } from "../config/rotated-secret.js";
import { reconnectCommand } from "../failures/follow-up.js";
import type { ConnectOptions, MailProvider } from "../providers/types.js";

/**
 * The provider of a saved profile, with its secret from the secret store. The provider
 * module (nodemailer and the rest) is imported only now.
 */
export async function openSender(ctx: Context, owner: Owner, profile: Profile, options: ConnectOptions): Promise<MailProvider> {
  const what = secretKindFor(profile);
  const secret = await (await ctx.secrets()).get(secretKey(owner, what));
  if (secret === undefined) {
    throw new NotConfiguredError(`The ${ownerLabel(owner)} has no saved ${what}.`, `mailcfg setup ${ownerArgs(owner)}`);
  }
  // Microsoft replaces the refresh token as it is used: keep each new one at once.
  const provider = await createProvider({
    settings: profile,
    secret,
    options: { ...protocolLog(ctx), ...options },
    env: ctx.env,
    onSecretRotated: rotatedSecretSaver(ctx, owner, profile),
    secretLock: savedSecretLock(ctx, owner, profile),
  });
  return withReconnectCommand(provider, reconnectCommand(owner, profile));
}

/** An OAuth connection that stopped working names the exact command that connects it again. */
function withReconnectCommand(provider: MailProvider, reconnect: string | undefined): MailProvider {
  if (!reconnect) return provider;
  const named = (err: unknown) => {
    if (isMailError(err) && err.category === "oauth") err.details.next ??= reconnect;
    return err;
  };
  return {
    type: provider.type,
    verify: () => provider.verify().catch((err: unknown) => Promise.reject(named(err))),
    send: (mail, hooks) => provider.send(mail, hooks).catch((err: unknown) => Promise.reject(named(err))),
    ...(provider.findSent ? { findSent: provider.findSent.bind(provider) } : {}),
    close: () => provider.close(),
  };
}
