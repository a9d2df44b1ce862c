import type { Context } from "../../context.js";
import { ownerLabel } from "../../config/types.js";
import type { QueueEntry } from "../../queue/entry.js";
import type { QueueShowInput } from "../../cli/queue.js";
import { printable } from "../../ui/printable.js";
import type { CommandResult } from "../shared.js";
import { entryJson, iso, mustGet, parseId, readQueue } from "./entries.js";

export async function runQueueShow(ctx: Context, input: QueueShowInput): Promise<CommandResult> {
  const id = parseId(input.id);
  const e = await readQueue(ctx, (q) => mustGet(q, id));
  const j = entryJson(e);
  if (!input.json) printEntry(ctx, e, j);
  return { data: { entry: { ...j, text: e.message.text, html: e.message.html ?? null, route: e.route } } };
}

function printEntry(ctx: Context, e: QueueEntry, j: Record<string, unknown>): void {
  const out = ctx.io.out;
  const line = (k: string, v: unknown) => v !== undefined && v !== null && v !== "" && out.write(`${(k + ":").padEnd(12)}${printable(String(v))}\n`);
  line("entry", `#${e.id} ${e.state}`);
  line("kind", e.kind);
  line("from", `${e.senderEmail} (${ownerLabel(e.owner)})`);
  line("to", e.message.to.join(", "));
  line("cc", (e.message.cc ?? []).join(", "));
  line("bcc", (e.message.bcc ?? []).join(", "));
  line("subject", e.message.subject);
  for (const a of e.attachments) line("attachment", `${a.filename} (${a.size} bytes)`);
  line("Message-ID", e.messageId);
  line("queued", j.createdAt);
  line("attempts", e.attempts);
  if (e.state === "queued") line("due", j.dueAt);
  if (e.lease) line("lease", `${e.lease.runner} until ${iso(e.lease.until)}`);
  line("sent", j.sentAt);
  line("server", e.response);
  const why = (e.route.explanation as string[] | undefined)?.join(" ");
  line("why", why);
  if (e.lastError && e.state !== "sent") printLastError(ctx, e);
}

/** The diagnosis kept on the entry, and the command that sends it again. */
function printLastError(ctx: Context, e: QueueEntry): void {
  const out = ctx.io.out;
  const le = e.lastError;
  if (!le) return;
  out.write(`${e.state === "failed" ? ctx.theme.bad("failed") : ctx.theme.warn("last error")} [${le.category}] at ${le.at}: ${printable(le.message)}\n`);
  if (le.evidence) out.write(`  evidence: ${printable(le.evidence)}\n`);
  if (le.hint) out.write(`  fix: ${printable(le.hint)}\n`);
  if (e.state === "failed") out.write(`  then: ${ctx.theme.cmd(`mailcfg queue retry ${e.id}`)}\n`);
  if (e.state === "uncertain") out.write(`  then, if it did not arrive: ${ctx.theme.cmd(`mailcfg queue retry ${e.id} --yes`)}\n`);
}
