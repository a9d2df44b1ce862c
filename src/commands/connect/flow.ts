import type { Context } from "../../context.js";
import type { Owner, Profile } from "../../config/types.js";
import { ownerJson, ownerLabel } from "../../config/types.js";
import { defaultDisplayName } from "../../config/identity.js";
import { isMailError } from "../../errors.js";
import type { Collected } from "../../senders/flow.js";
import { validateSettings, type ValidationOutcome } from "../../senders/validation.js";
import { publicProfile, saveProfileAndSecret } from "../../senders/save.js";
import type { CommandResult } from "../shared.js";

/** What differs between the OAuth connect commands (Gmail, Microsoft 365). */
export interface ConnectSpec {
  owner: Owner;
  json: boolean;
  /** The heading on a terminal, e.g. "Connecting a Gmail account". */
  heading: string;
  /** The command that connects this sender again, named in every failure. */
  reconnect: string;
  /** Signs in and returns the profile settings and the refresh token. */
  signIn(existing: Profile | undefined): Promise<Collected>;
  ca?: string[];
  /** "Connected the …" line, and how the saved profile sends, for the human output. */
  connected(p: Profile): string;
  via(p: Profile): string;
}

/**
 * Sign in, read the address, send a test mail to it, then save the profile and the
 * refresh token; any failure saves nothing and names the command that tries again.
 */
export async function connectAndSave(ctx: Context, spec: ConnectSpec): Promise<CommandResult> {
  const config = await ctx.config();
  const existing = config.getProfile(spec.owner);
  const label = ownerLabel(spec.owner);
  if (ctx.io.canPrompt && !spec.json) ctx.io.err.write(ctx.theme.bold(`${spec.heading} as the ${label}`) + "\n");

  let collected: Collected;
  let outcome: ValidationOutcome;
  try {
    collected = await spec.signIn(existing);
    outcome = await validateSettings(ctx, {
      settings: collected.settings,
      ...(collected.secret === undefined ? {} : { secret: collected.secret }),
      send: true,
      timeoutMs: config.settings()["connect-timeout-seconds"] * 1000,
      ...(spec.ca ? { ca: spec.ca } : {}),
      label,
    });
  } catch (err) {
    if (isMailError(err) && err.category !== "usage") err.details.next ??= spec.reconnect;
    throw err;
  }

  const now = ctx.now().toISOString();
  const profile = {
    ...collected.settings,
    // The sender's display name and signature stay as they were (a new one gets the default name).
    name: existing?.name ?? defaultDisplayName(spec.owner, collected.settings.email),
    ...(existing?.signature ? { signature: existing.signature } : {}),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    tokenRefreshedAt: now,
    validation: outcome.record,
    ...(outcome.sent ? { lastUsedAt: outcome.record.at } : {}),
  } as Profile;
  // The refresh token the test mail's refresh left us with: Microsoft may have replaced it.
  await saveProfileAndSecret(ctx, spec.owner, profile, outcome.rotatedSecret ?? collected.secret);
  const secrets = await ctx.secrets();

  const data: Record<string, unknown> = {
    owner: ownerJson(spec.owner),
    profile: publicProfile(profile),
    secretStore: secrets.kind,
  };
  if (outcome.sent) data.testMail = { to: outcome.record.to, messageId: outcome.sent.messageId, response: outcome.sent.response };
  if (!spec.json) {
    const out = ctx.io.out;
    const ok = ctx.theme.ok("✓");
    out.write(`${ok} ${spec.connected(profile)}\n`);
    if (outcome.sent) out.write(`${ok} Test mail sent to ${outcome.record.to} (${outcome.sent.response}).\n`);
    out.write(`${ok} Saved the ${label}: ${profile.email} via ${spec.via(profile)}; the refresh token is in ${secrets.location}.\n`);
  }
  return { data };
}
