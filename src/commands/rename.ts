import type { Context } from "../context.js";
import type { Owner } from "../config/types.js";
import { secretKey } from "../config/types.js";
import { UsageError } from "../errors.js";
import { checkUserId } from "../config/fields.js";
import { SECRET_KINDS, mustHaveProfile } from "./remove.js";
import type { CommandResult } from "./shared.js";
import type { RenameInput } from "../cli/profiles.js";

const USAGE = "mailcfg rename user <old id> <new id>";

/** The old and the new id, checked: a usage error names what is wrong. */
function checkIds({ target, from, to }: RenameInput): { from: string; to: string } {
  if (target !== "user") {
    throw new UsageError(
      target === "company" ? "There is one Company Email; it has no id to rename." : `Say what to rename: user <old id> <new id>.`,
      `Usage: ${USAGE}`,
    );
  }
  if (!from || !to) throw new UsageError("Give the old and the new user id.", `Usage: ${USAGE}`);
  const ids = { from: checkUserId(from), to: checkUserId(to) };
  if (ids.from === ids.to) throw new UsageError(`The new id is the same as the old one ("${from}").`);
  return ids;
}

/**
 * Renames a user: the profile and the default-user setting in one config write, the
 * secrets copied before it and deleted after it (so a failure in between leaves the
 * old id working), then the queued entries' sender and acting user.
 */
export async function runRename(ctx: Context, input: RenameInput): Promise<CommandResult> {
  const opts = { ...input, ...checkIds(input) };
  const from: Owner = { kind: "user", id: opts.from };
  const to: Owner = { kind: "user", id: opts.to };
  const profile = await mustHaveProfile(ctx, from);
  const config = await ctx.config();
  if (config.getProfile(to)) {
    throw new UsageError(`The user ${opts.to} has a User Email already.`, `Remove it first (mailcfg remove user ${opts.to}) or pick another id.`);
  }
  const wasDefault = config.savedSettings()["default-user"] === opts.from;
  const secrets = await ctx.secrets();
  const moved: Array<(typeof SECRET_KINDS)[number]> = [];
  for (const kind of SECRET_KINDS) {
    const value = await secrets.get(secretKey(from, kind));
    if (value === undefined) continue;
    await secrets.set(secretKey(to, kind), value);
    moved.push(kind);
  }
  try {
    config.renameUser(opts.from, opts.to);
  } catch (err) {
    for (const kind of moved) await secrets.delete(secretKey(to, kind));
    throw err;
  }
  for (const kind of moved) await secrets.delete(secretKey(from, kind));

  let entries = 0;
  const { openExistingQueue } = await import("../queue/open.js");
  const q = await openExistingQueue(ctx);
  if (q) {
    try {
      entries = await q.renameUser(opts.from, opts.to);
    } finally {
      await q.close();
    }
  }

  if (!opts.json) {
    const out = ctx.io.out;
    const ok = ctx.theme.ok("✓");
    out.write(`${ok} Renamed user ${opts.from} to ${opts.to} (${profile.email}).\n`);
    if (moved.length > 0) out.write(`${ok} Moved the saved ${moved.join(" and ")} in ${secrets.location}.\n`);
    if (wasDefault) out.write(`${ok} The default-user setting is ${opts.to} now.\n`);
    if (entries > 0) out.write(`${ok} ${entries} queue entr${entries === 1 ? "y follows" : "ies follow"} the new id.\n`);
    if (ctx.env.MAILCFG_USER === opts.from) out.write(`${ctx.theme.warn("note")}: MAILCFG_USER is still ${opts.from} in this shell; change it to ${opts.to}.\n`);
  }
  return { data: { from: opts.from, to: opts.to, email: profile.email, secretsMoved: moved, defaultUserChanged: wasDefault, queueEntries: entries } };
}
