import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { ownerArgs, ownerJson, ownerLabel, secretKey } from "../config/types.js";
import { CancelledError, UsageError } from "../errors.js";
import { describeSettings } from "../senders/describe.js";
import { parseOwner, type CommandResult } from "./shared.js";
import type { RemoveInput } from "../cli/profiles.js";

const USAGE = "mailcfg remove company|user <id> [--yes] [--force]";

/** The profile of an owner, or a usage error naming what is set up. */
export async function mustHaveProfile(ctx: Context, owner: Owner): Promise<Profile> {
  const profile = (await ctx.config()).getProfile(owner);
  if (!profile) throw new UsageError(`There is no ${ownerLabel(owner)} set up.`, "See what is set up: mailcfg status");
  return profile;
}

/** Every secret a profile of this owner may have saved, whatever its type. */
export const SECRET_KINDS = ["password", "refresh-token"] as const;

/** Queue entries not yet sent whose sender is this owner (the queue is not created if it does not exist). */
async function waitingEntries(ctx: Context, owner: Owner): Promise<Array<{ id: number; state: string; kind: string; to: string[] }>> {
  const { openExistingQueue } = await import("../queue/open.js");
  const { ownerKey } = await import("../queue/store.js");
  const q = await openExistingQueue(ctx);
  if (!q) return [];
  try {
    return (await q.list())
      .filter((e) => e.state !== "sent" && ownerKey(e.owner) === ownerKey(owner))
      .map((e) => ({ id: e.id, state: e.state, kind: e.kind, to: e.message.to }));
  } finally {
    await q.close();
  }
}

/** What removing a profile did about the credential at the provider: revoked, or where to withdraw it. */
interface RevocationReport {
  revoked: boolean;
  detail: string;
  /** What the person still has to do, if anything. */
  todo?: string;
}

async function revokeAtProvider(ctx: Context, owner: Owner, profile: Profile, secret: string | undefined): Promise<RevocationReport> {
  if (profile.type === "gmail") {
    const { GOOGLE_PERMISSIONS_PAGE, revokeGoogleToken } = await import("../oauth/revoke.js");
    const manual = `Withdraw mailcfg's access by hand at ${GOOGLE_PERMISSIONS_PAGE} (signed in as ${profile.email}).`;
    if (secret === undefined) return { revoked: false, detail: "no refresh token was saved, so there was nothing to revoke", todo: manual };
    const { decodeGoogleCredential } = await import("../oauth/google.js");
    const timeoutMs = (await ctx.config()).settings()["connect-timeout-seconds"] * 1000;
    const r = await revokeGoogleToken(ctx.env, decodeGoogleCredential(secret).refreshToken, timeoutMs);
    return r.revoked ? r : { ...r, todo: manual };
  }
  if (profile.type === "webmail" && profile.auth === "oauth2-microsoft") {
    return {
      revoked: false,
      detail: "Microsoft has no revocation of a single refresh token",
      todo:
        `The saved token is deleted here. To withdraw the app's access, ${profile.email} removes it at https://myapps.microsoft.com ` +
        "(or an admin: Entra admin center > Enterprise applications > the app > Permissions, or revokes the user's sessions). " +
        `An unused refresh token expires after 90 days.`,
    };
  }
  return {
    revoked: false,
    detail: "a password cannot be revoked from here",
    todo: `The saved password is deleted here; it still works at ${owner.kind === "company" ? "the" : "that"} mail server until it is changed there.`,
  };
}

/**
 * Removes a profile: refuses while queued entries still need it (unless --force), asks
 * on a terminal (or needs --yes), revokes a Google refresh token, deletes the secrets
 * from the store that holds them (and a stale copy in the secrets file), clears the
 * default-user setting that named the user, then deletes the profile.
 */
export async function runRemove(ctx: Context, input: RemoveInput): Promise<CommandResult> {
  const opts = { ...input, owner: parseOwner(input.target, input.id, USAGE) };
  const profile = await mustHaveProfile(ctx, opts.owner);
  const label = ownerLabel(opts.owner);
  const waiting = await waitingEntries(ctx, opts.owner);
  if (waiting.length > 0 && !opts.force) {
    const ids = waiting.map((e) => `#${e.id} (${e.state}, ${e.kind})`).join(", ");
    throw new UsageError(
      `${waiting.length} queue entr${waiting.length === 1 ? "y" : "ies"} would lose their sender: ${ids}.`,
      `Send them first (mailcfg queue run), or remove anyway with --force (then mailcfg queue retry <id> routes an entry again). Nothing was removed.`,
    );
  }
  if (!opts.yes) {
    if (!ctx.io.canPrompt || opts.json) {
      throw new UsageError(`Removing the ${label} needs confirmation: add --yes.`, `Usage: ${USAGE}`);
    }
    const ok = await ctx.prompt.confirm({
      message: `Remove the ${label} (${describeSettings(profile)}) and its saved secrets?`,
      default: false,
    });
    if (!ok) throw new CancelledError();
  }

  const config = await ctx.config();
  const secrets = await ctx.secrets();
  const saved = await Promise.all(SECRET_KINDS.map(async (k) => [k, await secrets.get(secretKey(opts.owner, k))] as const));
  const revocation = await revokeAtProvider(ctx, opts.owner, profile, saved.find(([k]) => k === "refresh-token")?.[1]);

  const deleted: string[] = [];
  for (const [kind, value] of saved) {
    if (value === undefined) continue;
    await secrets.delete(secretKey(opts.owner, kind));
    deleted.push(kind);
  }
  // A copy left in the secrets file from before the keyring was chosen goes too.
  const stale: string[] = [];
  if (secrets.kind !== "file" && existsSync(join(ctx.configDir, "secrets.json"))) {
    const { FileSecretStore } = await import("../config/secrets.js");
    const file = new FileSecretStore(ctx.configDir);
    for (const kind of SECRET_KINDS) {
      if ((await file.get(secretKey(opts.owner, kind))) === undefined) continue;
      await file.delete(secretKey(opts.owner, kind));
      stale.push(kind);
    }
  }
  const wasDefault = opts.owner.kind === "user" && config.savedSettings()["default-user"] === opts.owner.id;
  if (wasDefault) config.setSetting("default-user", undefined);
  config.removeProfile(opts.owner);

  if (!opts.json) {
    const out = ctx.io.out;
    const ok = ctx.theme.ok("✓");
    out.write(`${ok} Removed the ${label} (${profile.email}).\n`);
    if (deleted.length > 0) out.write(`${ok} Deleted its ${deleted.join(" and ")} from ${secrets.location}.\n`);
    else out.write(`  No secret was saved for it in ${secrets.location}.\n`);
    if (stale.length > 0) out.write(`${ok} Deleted an older copy from the secrets file too.\n`);
    const revoked = revocation.revoked ? `${ok} Revoked: ${revocation.detail}.` : `${ctx.theme.warn("!")} Not revoked: ${revocation.detail}.`;
    out.write(revoked + "\n");
    if (revocation.todo) out.write(`  ${revocation.todo}\n`);
    if (wasDefault) out.write(`  The default-user setting named this user; it is unset now.\n`);
    if (waiting.length > 0) {
      out.write(`${ctx.theme.warn("!")} ${waiting.length} queue entr${waiting.length === 1 ? "y has" : "ies have"} no sender now: ${waiting.map((e) => `#${e.id}`).join(", ")}. Route again: mailcfg queue retry <id>\n`);
    }
    if (opts.owner.kind === "company") out.write(`  Set a Company Email up again with: mailcfg setup company\n`);
  }
  return {
    data: {
      owner: ownerJson(opts.owner),
      removed: { email: profile.email, type: profile.type },
      secretsDeleted: deleted,
      secretStore: { kind: secrets.kind, location: secrets.location },
      ...(stale.length > 0 ? { staleSecretsDeleted: stale } : {}),
      revocation,
      defaultUserCleared: wasDefault,
      entriesWithoutSender: waiting,
      next: opts.owner.kind === "company" ? "mailcfg setup company" : `mailcfg setup ${ownerArgs(opts.owner)}`,
    },
  };
}
