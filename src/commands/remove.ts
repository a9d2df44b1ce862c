import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { ownerArgs, ownerJson, ownerLabel, secretKey } from "../config/types.js";
import { CancelledError, UsageError } from "../errors.js";
import { describeSettings } from "../senders/describe.js";
import { revokeAtProvider, type RevocationReport } from "../senders/revoke.js";
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
  const { ownerKey } = await import("../queue/entry.js");
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

type Waiting = Awaited<ReturnType<typeof waitingEntries>>;

/** Refuses while queued entries need the sender (unless --force); asks on a terminal unless --yes. */
async function confirmRemoval(ctx: Context, opts: RemoveInput, label: string, profile: Profile, waiting: Waiting): Promise<void> {
  if (waiting.length > 0 && !opts.force) {
    const ids = waiting.map((e) => `#${e.id} (${e.state}, ${e.kind})`).join(", ");
    throw new UsageError(
      `${waiting.length} queue entr${waiting.length === 1 ? "y" : "ies"} would lose their sender: ${ids}.`,
      `Send them first (mailcfg queue run), or remove anyway with --force (then mailcfg queue retry <id> routes an entry again). Nothing was removed.`,
    );
  }
  if (opts.yes) return;
  if (!ctx.io.canPrompt || opts.json) {
    throw new UsageError(`Removing the ${label} needs confirmation: add --yes.`, `Usage: ${USAGE}`);
  }
  const ok = await ctx.prompt.confirm({
    message: `Remove the ${label} (${describeSettings(profile)}) and its saved secrets?`,
    default: false,
  });
  if (!ok) throw new CancelledError();
}

interface DeletedSecrets {
  /** The kinds deleted from the store in use. */
  deleted: string[];
  /** The kinds of an older copy deleted from the secrets file. */
  stale: string[];
  store: { kind: string; location: string };
}

/** Deletes the owner's secrets from the store that holds them, and an older copy in the secrets file. */
async function deleteSecrets(ctx: Context, owner: Owner, saved: ReadonlyArray<readonly [(typeof SECRET_KINDS)[number], string | undefined]>): Promise<DeletedSecrets> {
  const secrets = await ctx.secrets();
  const deleted: string[] = [];
  for (const [kind, value] of saved) {
    if (value === undefined) continue;
    await secrets.delete(secretKey(owner, kind));
    deleted.push(kind);
  }
  // A copy left in the secrets file from before the keyring was chosen goes too.
  const stale: string[] = [];
  if (secrets.kind !== "file" && existsSync(join(ctx.configDir, "secrets.json"))) {
    const { FileSecretStore } = await import("../config/secrets.js");
    const file = new FileSecretStore(ctx.configDir);
    for (const kind of SECRET_KINDS) {
      if ((await file.get(secretKey(owner, kind))) === undefined) continue;
      await file.delete(secretKey(owner, kind));
      stale.push(kind);
    }
  }
  return { deleted, stale, store: { kind: secrets.kind, location: secrets.location } };
}

interface Removed {
  owner: Owner;
  label: string;
  profile: Profile;
  secrets: DeletedSecrets;
  revocation: RevocationReport;
  wasDefault: boolean;
  waiting: Waiting;
}

function printRemoved(ctx: Context, r: Removed): void {
  const out = ctx.io.out;
  const ok = ctx.theme.ok("✓");
  const { deleted, stale, store } = r.secrets;
  out.write(`${ok} Removed the ${r.label} (${r.profile.email}).\n`);
  if (deleted.length > 0) out.write(`${ok} Deleted its ${deleted.join(" and ")} from ${store.location}.\n`);
  else out.write(`  No secret was saved for it in ${store.location}.\n`);
  if (stale.length > 0) out.write(`${ok} Deleted an older copy from the secrets file too.\n`);
  const revoked = r.revocation.revoked ? `${ok} Revoked: ${r.revocation.detail}.` : `${ctx.theme.warn("!")} Not revoked: ${r.revocation.detail}.`;
  out.write(revoked + "\n");
  if (r.revocation.todo) out.write(`  ${r.revocation.todo}\n`);
  if (r.wasDefault) out.write(`  The default-user setting named this user; it is unset now.\n`);
  if (r.waiting.length > 0) {
    const ids = r.waiting.map((e) => `#${e.id}`).join(", ");
    out.write(`${ctx.theme.warn("!")} ${r.waiting.length} queue entr${r.waiting.length === 1 ? "y has" : "ies have"} no sender now: ${ids}. Route again: mailcfg queue retry <id>\n`);
  }
  if (r.owner.kind === "company") out.write(`  Set a Company Email up again with: mailcfg setup company\n`);
}

function removedJson(r: Removed): Record<string, unknown> {
  return {
    owner: ownerJson(r.owner),
    removed: { email: r.profile.email, type: r.profile.type },
    secretsDeleted: r.secrets.deleted,
    secretStore: r.secrets.store,
    ...(r.secrets.stale.length > 0 ? { staleSecretsDeleted: r.secrets.stale } : {}),
    revocation: r.revocation,
    defaultUserCleared: r.wasDefault,
    entriesWithoutSender: r.waiting,
    next: r.owner.kind === "company" ? "mailcfg setup company" : `mailcfg setup ${ownerArgs(r.owner)}`,
  };
}

/**
 * Removes a profile: refuses while queued entries still need it (unless --force), asks
 * on a terminal (or needs --yes), revokes a Google refresh token, deletes the secrets
 * from the store that holds them (and a stale copy in the secrets file), clears the
 * default-user setting that named the user, then deletes the profile.
 */
export async function runRemove(ctx: Context, input: RemoveInput): Promise<CommandResult> {
  const owner = parseOwner(input.target, input.id, USAGE);
  const profile = await mustHaveProfile(ctx, owner);
  const label = ownerLabel(owner);
  const waiting = await waitingEntries(ctx, owner);
  await confirmRemoval(ctx, input, label, profile, waiting);

  const config = await ctx.config();
  const store = await ctx.secrets();
  const saved = await Promise.all(SECRET_KINDS.map(async (k) => [k, await store.get(secretKey(owner, k))] as const));
  const revocation = await revokeAtProvider(ctx, owner, profile, saved.find(([k]) => k === "refresh-token")?.[1]);
  const secrets = await deleteSecrets(ctx, owner, saved);
  const wasDefault = owner.kind === "user" && config.savedSettings()["default-user"] === owner.id;
  if (wasDefault) config.setSetting("default-user", undefined);
  config.removeProfile(owner);

  const removed: Removed = { owner, label, profile, secrets, revocation, wasDefault, waiting };
  if (!input.json) printRemoved(ctx, removed);
  return { data: removedJson(removed) };
}
