import type { Context } from "../../context.js";
import { UsageError } from "../../errors.js";
import type { EntryState } from "../../queue/entry.js";
import type { QueuePurgeInput, QueueRemoveInput } from "../../cli/queue.js";
import type { CommandResult } from "../shared.js";
import { mustGet, parseId, withQueue } from "./entries.js";

export async function runQueueRemove(ctx: Context, input: QueueRemoveInput): Promise<CommandResult> {
  const id = parseId(input.id);
  const { newRunnerId } = await import("../../queue/run-state.js");
  return withQueue(ctx, async (q) => {
    await q.reclaim(newRunnerId(), Date.now());
    const e = await mustGet(q, id);
    if (e.state === "sending" || !(await q.remove(e.id))) {
      throw new UsageError(`Entry #${e.id} is being sent right now by ${e.lease?.runner ?? "another runner"}.`, "Try again when that queue run ends.");
    }
    if (!input.json) ctx.io.out.write(`Removed #${e.id} (${e.state}, ${e.kind} to ${e.message.to.join(", ")}).\n`);
    return { data: { removed: e.id, state: e.state } };
  });
}

/** `queue purge`: the sent and (with --failed) failed entries; queued ones never. */
export async function runQueuePurge(ctx: Context, input: QueuePurgeInput): Promise<CommandResult> {
  const states: EntryState[] = [...(input.sent ? (["sent"] as const) : []), ...(input.failed ? (["failed"] as const) : [])];
  if (states.length === 0) throw new UsageError("Say what to purge: --sent (and/or --failed).", "Queued entries are never purged; remove one with mailcfg queue remove <id>.");
  const removed = await withQueue(ctx, (q) => q.purge(states));
  if (!input.json) ctx.io.out.write(`Removed ${removed} ${states.join(" and ")} entr${removed === 1 ? "y" : "ies"}.\n`);
  return { data: { removed, states } };
}
