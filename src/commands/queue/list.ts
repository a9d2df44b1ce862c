import type { Context } from "../../context.js";
import type { QueueListInput } from "../../cli/queue.js";
import { printable } from "../../ui/printable.js";
import type { CommandResult } from "../shared.js";
import { entryJson, readQueue } from "./entries.js";

export async function runQueueList(ctx: Context, input: QueueListInput): Promise<CommandResult> {
  const entries = await readQueue(ctx, (q) => q.list(input.state));
  if (!input.json) {
    const out = ctx.io.out;
    if (entries.length === 0) out.write(input.state ? `No ${input.state} entries.\n` : "The queue is empty. Add with: mailcfg queue add --doc <kind> --to <address> ...\n");
    else out.write(ctx.theme.dim(`${"ID".padEnd(6)}${"STATE".padEnd(11)}${"KIND".padEnd(28)}${"FROM".padEnd(30)}${"TO".padEnd(32)}TRIES  LAST ERROR`) + "\n");
    for (const e of entries) {
      const to = e.message.to.join(",");
      // An uncertain or corrupt entry's line says why it is held back, in full.
      const width = e.state === "uncertain" || e.state === "corrupt" ? Infinity : 70;
      const err = e.state === "sent" || !e.lastError ? "" : printable(`[${e.lastError.category}] ${e.lastError.message}`.slice(0, width));
      out.write(
        `${String(e.id).padEnd(6)}${e.state.padEnd(11)}${e.kind.padEnd(28)}${e.senderEmail.padEnd(30)}${(to.length > 30 ? to.slice(0, 29) + "…" : to).padEnd(32)}${String(e.attempts).padEnd(7)}${err}\n`,
      );
    }
  }
  return { data: { entries: entries.map(entryJson) } };
}
