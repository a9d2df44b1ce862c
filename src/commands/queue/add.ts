import type { Context } from "../../context.js";
import { ownerLabel } from "../../config/types.js";
import { MailError, UsageError } from "../../errors.js";
import { prepareMessage, toMessageInput, type PreparedMessage } from "../../send/message.js";
import type { NewEntry } from "../../queue/entry.js";
import type { QueueAddInput } from "../../cli/queue.js";
import { messageSummary, senderWarnings } from "../send.js";
import { MB, readBoundedText } from "../../config/files.js";
import { readStdin, type CommandResult } from "../shared.js";
import { withQueue } from "./entries.js";

/** `queue add`: one document from the flags, or with --from one per line of a JSON Lines file. */
export async function runQueueAdd(ctx: Context, input: QueueAddInput): Promise<CommandResult> {
  return input.from === undefined ? addOne(ctx, input) : addMany(ctx, input.from, input);
}

/** A checked message as a queue entry; the attachment bytes are read now. */
function newEntry(prepared: PreparedMessage, now: number): NewEntry {
  // The bytes are kept in the queue: a file changed or deleted later cannot change the message.
  // (prepareMessage read them, within the size limit.)
  const attachments = prepared.attachments.map((a) => ({ filename: a.filename, content: a.content }));
  const m = prepared.mail;
  return {
    kind: prepared.kind.id,
    actingUser: prepared.acting.id ?? null,
    owner: prepared.owner,
    senderEmail: m.from,
    messageId: m.messageId,
    message: {
      to: m.to,
      ...(m.cc ? { cc: m.cc } : {}),
      ...(m.bcc ? { bcc: m.bcc } : {}),
      subject: m.subject,
      text: m.text,
      ...(m.html !== undefined ? { html: m.html } : {}),
      ...(m.headers ? { headers: m.headers } : {}),
    },
    attachments,
    route: { ...prepared.decision, userSource: prepared.acting.source },
    dueAt: now,
  };
}

/** One document, its flags checked as `send` checks them (--doc and --to are required without --from). */
async function addOne(ctx: Context, input: QueueAddInput): Promise<CommandResult> {
  if (input.doc === undefined) throw new UsageError("Missing --doc <kind>.", "Or queue many documents from a file: mailcfg queue add --from <file.jsonl>");
  if (input.to === undefined) throw new UsageError("Missing --to <addresses>.", "Give at least one recipient, e.g. --to ap@customer.test");
  const prepared = await prepareMessage(ctx, toMessageInput(input));
  const warnings = senderWarnings(ctx, prepared);
  const m = prepared.mail;
  const now = ctx.now().getTime();
  const entry = newEntry(prepared, now);
  const id = await withQueue(ctx, (q) => q.add(entry, now));
  if (!input.json) {
    ctx.io.out.write(`${ctx.theme.ok("✓")} Queued #${id}: ${prepared.kind.id} from ${m.from} (${ownerLabel(prepared.owner)}${prepared.decision.fallback ? ", fallback" : ""}) to ${m.to.join(", ")}\n`);
    ctx.io.out.write(`  Message-ID: ${m.messageId}\n`);
    ctx.io.out.write(ctx.theme.dim(`  why: ${prepared.decision.explanation.join(" ")}`) + "\n");
    ctx.io.out.write(`  Send it with: ${ctx.theme.cmd("mailcfg queue run")}\n`);
  }
  return { data: { id, state: "queued", ...messageSummary(prepared, warnings) } };
}

/** The message flags: with --from, every field comes from the file's lines instead. */
const MESSAGE_FLAGS = ["doc", "to", "cc", "bcc", "user", "attach", "var", "subject"] as const;

/** Shown at most this many problems of a --from file; the count says how many more. */
const MAX_PROBLEMS = 20;

interface Line {
  line: number;
  entry: NewEntry;
}

/**
 * `queue add --from`: every line parsed, routed, rendered and checked (attachments read)
 * first; then all of them stored in one transaction. One bad line stores nothing.
 */
async function addMany(ctx: Context, from: string, input: QueueAddInput): Promise<CommandResult> {
  const mixed = MESSAGE_FLAGS.filter((f) => input[f] !== undefined);
  if (mixed.length > 0) {
    throw new UsageError(
      `--from takes every field from the file; ${mixed.map((f) => `--${f}`).join(", ")} cannot be given with it.`,
      'Put them on each line instead, e.g. {"doc":"invoice","to":"ap@customer.test","user":"jdoe"}.',
    );
  }
  const text = await readBatch(ctx, from);
  const now = ctx.now().getTime();
  const entries = await prepareLines(ctx, from, text, now);
  const ids = await withQueue(ctx, (q) => q.addMany(entries.map((e) => e.entry), now));
  if (!input.json) printQueued(ctx, from, entries, ids);
  return {
    data: {
      count: ids.length,
      entries: entries.map((e, i) => ({ id: ids[i], line: e.line, kind: e.entry.kind, from: e.entry.senderEmail, to: e.entry.message.to, messageId: e.entry.messageId })),
    },
  };
}

/** The text of --from: standard input for "-", else a regular file of bounded size. */
async function readBatch(ctx: Context, from: string): Promise<string> {
  if (from === "-") {
    if (ctx.io.stdinIsTTY) throw new UsageError("--from - reads JSON Lines from standard input; pipe them in.");
    return readStdin(ctx);
  }
  // A regular file of bounded size: never a FIFO or a device that blocks or never ends.
  const read = readBoundedText(from, { label: "--from", maxBytes: 64 * MB, category: "usage" });
  if (read === undefined) throw new UsageError(`--from ${from}: no such file.`);
  return read;
}

/** Every line as an entry, or one usage error listing the problems of every bad line. */
async function prepareLines(ctx: Context, from: string, text: string, now: number): Promise<Line[]> {
  const { parseBatchLines } = await import("../../queue/batch-lines.js");
  const { lines, problems } = parseBatchLines(text);
  const entries: Line[] = [];
  for (const { line, raw } of lines) {
    try {
      entries.push({ line, entry: newEntry(await prepareMessage(ctx, toMessageInput(raw)), now) });
    } catch (err) {
      if (!(err instanceof MailError) || err.category !== "usage") {
        if (err instanceof MailError) err.details.hint = `line ${line} of ${from}. ${err.details.hint ?? ""}Nothing was queued.`;
        throw err;
      }
      problems.push(`line ${line}: ${err.message.replace(/^\d+ problems with the input:\n\s+- /, "").replace(/\n\s+- /g, "; ")}`);
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => Number(/\d+/.exec(a)?.[0] ?? 0) - Number(/\d+/.exec(b)?.[0] ?? 0));
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : "";
    const head = problems.length === 1 ? `${from}: ${shown[0]}` : `${from}: ${problems.length} problems:\n  - ${shown.join("\n  - ")}${more}`;
    throw new UsageError(head, "Nothing was queued; fix the file and run the command again.");
  }
  return entries;
}

function printQueued(ctx: Context, from: string, entries: Line[], ids: number[]): void {
  const bySender = new Map<string, number>();
  for (const e of entries) bySender.set(e.entry.senderEmail, (bySender.get(e.entry.senderEmail) ?? 0) + 1);
  const range = ids.length === 1 ? `#${ids[0]}` : `#${ids[0]}-#${ids.at(-1)}`;
  ctx.io.out.write(`${ctx.theme.ok("✓")} Queued ${ids.length} entr${ids.length === 1 ? "y" : "ies"} (${range}) from ${from === "-" ? "standard input" : from}: ${[...bySender].map(([s, n]) => `${n} from ${s}`).join(", ")}\n`);
  ctx.io.out.write(`  Send them with: ${ctx.theme.cmd("mailcfg queue run")}\n`);
}
