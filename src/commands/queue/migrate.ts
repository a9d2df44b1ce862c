import type { Context } from "../../context.js";
import type { QueueMigrateInput } from "../../cli/queue.js";
import type { CommandResult } from "../shared.js";

/**
 * Moves the local SQLite queue's entries into the shared PostgreSQL queue. Each entry is
 * copied (state, attempts, history, attachments) and then removed here; the Message-ID
 * is the key, so running it again after a failure copies nothing twice.
 */
export async function runQueueMigrate(ctx: Context, input: QueueMigrateInput): Promise<CommandResult> {
  const { checkQueueUrl, maskQueueUrl } = await import("../../config/queue-url.js");
  checkQueueUrl(input.to, "--to", false);
  const { QueueStore } = await import("../../queue/store.js");
  const { openPostgres, queuePassword } = await import("../../queue/open.js");
  const password = await queuePassword(ctx);
  const target = await openPostgres(ctx, { url: input.to, ...(password ? { password } : {}) });
  const local = await QueueStore.open(ctx.configDir);
  const moved: number[] = [];
  const already: number[] = [];
  const kept: Array<{ id: number; state: string }> = [];
  try {
    for (const e of local.list()) {
      // Being sent by a local runner right now, or unreadable: left here, said below.
      if (e.state === "sending" || e.state === "corrupt") {
        kept.push({ id: e.id, state: e.state });
        continue;
      }
      const newId = await target.importEntry(e, local.attachmentsOf(e.id));
      (newId ? moved : already).push(e.id);
      local.remove(e.id);
    }
  } finally {
    local.close();
    await target.close();
  }
  const where = maskQueueUrl(input.to);
  if (!input.json) {
    const out = ctx.io.out;
    out.write(`${ctx.theme.ok("✓")} Moved ${moved.length} entr${moved.length === 1 ? "y" : "ies"} to ${where}${already.length ? ` (${already.length} already there, by Message-ID)` : ""}.\n`);
    for (const k of kept) out.write(`  kept #${k.id} here: it is ${k.state === "sending" ? "being sent right now; run this again when that run ends" : "unreadable (mailcfg queue list)"}.\n`);
    out.write(`  Use the shared queue with: ${ctx.theme.cmd("mailcfg config set queue-url " + where)} (or MAILCFG_QUEUE_URL)\n`);
  }
  return { data: { to: where, moved: moved.length, alreadyThere: already.length, kept } };
}
