import type { Context } from "../context.js";
import { ownerLabel } from "../config/types.js";
import { MailError, UsageError, type Category } from "../errors.js";
import { findKind } from "../routing/catalogue.js";
import { route } from "../routing/route.js";
import { savedProfiles } from "../routing/acting-user.js";
import { prepareMessage, toMessageInput, type MessageInput, type PreparedMessage } from "../send/message.js";
import type { QueueEntry, EntryState, NewEntry } from "../queue/store.js";
import type { QueueBackend } from "../queue/backend.js";
import type { RunEvent } from "../queue/runner.js";
import { messageSummary, senderWarnings } from "./send.js";
import { printable } from "../ui/printable.js";
import { MB, readBoundedText } from "../config/files.js";
import { parseIntFlag, parseTimeoutSeconds, readCaFiles, readStdin, type CommandResult } from "./shared.js";
import { timeoutMs as timeoutMsOf } from "../util/timeout.js";

/** The queue modules (and better-sqlite3 or pg with them) are loaded only by the queue commands. */
async function openQueue(ctx: Context, durable = true): Promise<QueueBackend> {
  const { openQueueBackend } = await import("../queue/open.js");
  return openQueueBackend(ctx, { durable });
}

async function withQueue<T>(ctx: Context, use: (q: QueueBackend) => Promise<T> | T, durable = true): Promise<T> {
  const q = await openQueue(ctx, durable);
  try {
    return await use(q);
  } finally {
    await q.close();
  }
}

/**
 * For the commands that only read (list, show): on a config folder this user cannot
 * write, SQLite cannot open queue.db (WAL mode creates files beside it), so a copy
 * in a private temp folder is read instead.
 */
async function readQueue<T>(ctx: Context, use: (q: QueueBackend) => T | Promise<T>): Promise<T> {
  const { sharedQueueTarget } = await import("../queue/open.js");
  if (await sharedQueueTarget(ctx)) return withQueue(ctx, use);
  const { snapshotIfReadOnly } = await import("../queue/read-only.js");
  const snapshot = snapshotIfReadOnly(ctx.configDir);
  if (!snapshot) return withQueue(ctx, use);
  const { QueueStore } = await import("../queue/store.js");
  const q = await QueueStore.open(snapshot.dir);
  try {
    return await use(q);
  } finally {
    q.close();
    snapshot.remove();
  }
}

export function parseId(value: string): number {
  return parseIntFlag(value, "<id>", 1, Number.MAX_SAFE_INTEGER);
}

async function mustGet(q: QueueBackend, id: number): Promise<QueueEntry> {
  const e = await q.get(id);
  if (!e) throw new UsageError(`There is no queue entry #${id}.`, "See: mailcfg queue list");
  return e;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An entry as --json shows it: everything but the bodies and attachment bytes. */
export function entryJson(e: QueueEntry): Record<string, unknown> {
  return {
    id: e.id,
    state: e.state,
    kind: e.kind,
    user: e.actingUser,
    sender: e.owner.kind,
    owner: e.owner,
    from: e.senderEmail,
    to: e.message.to,
    cc: e.message.cc ?? [],
    bcc: e.message.bcc ?? [],
    subject: e.message.subject,
    messageId: e.messageId,
    attachments: e.attachments,
    attempts: e.attempts,
    createdAt: iso(e.createdAt),
    dueAt: iso(e.dueAt),
    sentAt: iso(e.sentAt) ?? null,
    response: e.response ?? null,
    lastError: e.lastError ?? null,
    lease: e.lease ? { ...e.lease, until: iso(e.lease.until) } : null,
  };
}

/** `queue add` flags, checked as `send` checks them (--doc and --to are required without --from). */
export function toQueueAddOptions(raw: Record<string, unknown>): { message: MessageInput; json: boolean } {
  if (raw.doc === undefined) throw new UsageError("Missing --doc <kind>.", "Or queue many documents from a file: mailcfg queue add --from <file.jsonl>");
  if (raw.to === undefined) throw new UsageError("Missing --to <addresses>.", "Give at least one recipient, e.g. --to ap@customer.test");
  return { message: toMessageInput(raw), json: raw.json === true };
}

const MESSAGE_FLAGS = ["doc", "to", "cc", "bcc", "user", "attach", "var", "subject"] as const;

export function toQueueAddManyOptions(raw: Record<string, unknown>): { from: string; json: boolean } {
  const mixed = MESSAGE_FLAGS.filter((f) => raw[f] !== undefined);
  if (mixed.length > 0) {
    throw new UsageError(
      `--from takes every field from the file; ${mixed.map((f) => `--${f}`).join(", ")} cannot be given with it.`,
      'Put them on each line instead, e.g. {"doc":"invoice","to":"ap@customer.test","user":"jdoe"}.',
    );
  }
  return { from: String(raw.from), json: raw.json === true };
}

export function toQueueRunOptions(raw: Record<string, unknown>): QueueRunOptions {
  const opts: QueueRunOptions = {
    concurrency: parseIntFlag(String(raw.concurrency), "--concurrency", 1, 64),
    wait: raw.wait === true,
    json: raw.json === true,
  };
  if (typeof raw.limit === "string") opts.limit = parseIntFlag(raw.limit, "--limit", 1, Number.MAX_SAFE_INTEGER);
  if (typeof raw.timeout === "string") opts.timeout = raw.timeout;
  if (Array.isArray(raw.ca)) opts.ca = raw.ca as string[];
  return opts;
}

export function toQueuePurgeOptions(raw: { sent?: boolean; failed?: boolean; json?: boolean }): { states: EntryState[]; json: boolean } {
  const states: EntryState[] = [...(raw.sent ? (["sent"] as const) : []), ...(raw.failed ? (["failed"] as const) : [])];
  if (states.length === 0) throw new UsageError("Say what to purge: --sent (and/or --failed).", "Queued entries are never purged; remove one with mailcfg queue remove <id>.");
  return { states, json: raw.json === true };
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

export async function runQueueAdd(ctx: Context, opts: { message: MessageInput; json: boolean }): Promise<CommandResult> {
  const prepared = await prepareMessage(ctx, opts.message);
  const warnings = senderWarnings(ctx, prepared);
  const m = prepared.mail;
  const now = ctx.now().getTime();
  const entry = newEntry(prepared, now);
  const id = await withQueue(ctx, (q) => q.add(entry, now));
  if (!opts.json) {
    ctx.io.out.write(`${ctx.theme.ok("✓")} Queued #${id}: ${prepared.kind.id} from ${m.from} (${ownerLabel(prepared.owner)}${prepared.decision.fallback ? ", fallback" : ""}) to ${m.to.join(", ")}\n`);
    ctx.io.out.write(`  Message-ID: ${m.messageId}\n`);
    ctx.io.out.write(ctx.theme.dim(`  why: ${prepared.decision.explanation.join(" ")}`) + "\n");
    ctx.io.out.write(`  Send it with: ${ctx.theme.cmd("mailcfg queue run")}\n`);
  }
  return { data: { id, state: "queued", ...messageSummary(prepared, warnings) } };
}

/** Shown at most this many problems of a --from file; the count says how many more. */
const MAX_PROBLEMS = 20;

/**
 * `queue add --from`: every line parsed, routed, rendered and checked (attachments read)
 * first; then all of them stored in one transaction. One bad line stores nothing.
 */
export async function runQueueAddMany(ctx: Context, opts: { from: string; json: boolean }): Promise<CommandResult> {
  let text: string;
  if (opts.from === "-") {
    if (ctx.io.stdinIsTTY) throw new UsageError("--from - reads JSON Lines from standard input; pipe them in.");
    text = await readStdin(ctx);
  } else {
    // A regular file of bounded size: never a FIFO or a device that blocks or never ends.
    const read = readBoundedText(opts.from, { label: "--from", maxBytes: 64 * MB, category: "usage" });
    if (read === undefined) throw new UsageError(`--from ${opts.from}: no such file.`);
    text = read;
  }
  const { parseBatchLines } = await import("../queue/batch-lines.js");
  const { lines, problems } = parseBatchLines(text);
  const now = ctx.now().getTime();
  const entries: Array<{ line: number; entry: NewEntry; prepared: PreparedMessage }> = [];
  for (const { line, raw } of lines) {
    try {
      const prepared = await prepareMessage(ctx, toMessageInput(raw));
      entries.push({ line, entry: newEntry(prepared, now), prepared });
    } catch (err) {
      if (!(err instanceof MailError) || err.category !== "usage") {
        if (err instanceof MailError) err.details.hint = `line ${line} of ${opts.from}. ${err.details.hint ?? ""}Nothing was queued.`;
        throw err;
      }
      problems.push(`line ${line}: ${err.message.replace(/^\d+ problems with the input:\n\s+- /, "").replace(/\n\s+- /g, "; ")}`);
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => Number(/\d+/.exec(a)?.[0] ?? 0) - Number(/\d+/.exec(b)?.[0] ?? 0));
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : "";
    const head = problems.length === 1 ? `${opts.from}: ${shown[0]}` : `${opts.from}: ${problems.length} problems:\n  - ${shown.join("\n  - ")}${more}`;
    throw new UsageError(head, "Nothing was queued; fix the file and run the command again.");
  }
  const ids = await withQueue(ctx, (q) => q.addMany(entries.map((e) => e.entry), now));
  if (!opts.json) {
    const bySender = new Map<string, number>();
    for (const e of entries) bySender.set(e.entry.senderEmail, (bySender.get(e.entry.senderEmail) ?? 0) + 1);
    const range = ids.length === 1 ? `#${ids[0]}` : `#${ids[0]}-#${ids.at(-1)}`;
    ctx.io.out.write(`${ctx.theme.ok("✓")} Queued ${ids.length} entr${ids.length === 1 ? "y" : "ies"} (${range}) from ${opts.from === "-" ? "standard input" : opts.from}: ${[...bySender].map(([s, n]) => `${n} from ${s}`).join(", ")}\n`);
    ctx.io.out.write(`  Send them with: ${ctx.theme.cmd("mailcfg queue run")}\n`);
  }
  return {
    data: {
      count: ids.length,
      entries: entries.map((e, i) => ({ id: ids[i], line: e.line, kind: e.entry.kind, from: e.entry.senderEmail, to: e.entry.message.to, messageId: e.entry.messageId })),
    },
  };
}

export async function runQueueList(ctx: Context, opts: { state?: EntryState; json: boolean }): Promise<CommandResult> {
  const entries = await readQueue(ctx, (q) => q.list(opts.state));
  if (!opts.json) {
    const out = ctx.io.out;
    if (entries.length === 0) out.write(opts.state ? `No ${opts.state} entries.\n` : "The queue is empty. Add with: mailcfg queue add --doc <kind> --to <address> ...\n");
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

export async function runQueueShow(ctx: Context, opts: { id: number; json: boolean }): Promise<CommandResult> {
  const e = await readQueue(ctx, (q) => mustGet(q, opts.id));
  const j = entryJson(e);
  if (!opts.json) {
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
    if (e.lastError && e.state !== "sent") {
      const le = e.lastError;
      out.write(`${e.state === "failed" ? ctx.theme.bad("failed") : ctx.theme.warn("last error")} [${le.category}] at ${le.at}: ${printable(le.message)}\n`);
      if (le.evidence) out.write(`  evidence: ${printable(le.evidence)}\n`);
      if (le.hint) out.write(`  fix: ${printable(le.hint)}\n`);
      if (e.state === "failed") out.write(`  then: ${ctx.theme.cmd(`mailcfg queue retry ${e.id}`)}\n`);
      if (e.state === "uncertain") out.write(`  then, if it did not arrive: ${ctx.theme.cmd(`mailcfg queue retry ${e.id} --yes`)}\n`);
    }
  }
  return { data: { entry: { ...j, text: e.message.text, html: e.message.html ?? null, route: e.route } } };
}

export interface QueueRunOptions {
  concurrency: number;
  limit?: number;
  wait: boolean;
  json: boolean;
  timeout?: string;
  ca?: string[];
  /** Tests shorten the lease; the default is 2 minutes, renewed while sending. */
  leaseMs?: number;
}

export async function runQueueRun(ctx: Context, opts: QueueRunOptions): Promise<CommandResult> {
  const config = await ctx.config();
  const settings = config.settings();
  const timeoutMs = parseTimeoutSeconds(opts.timeout, settings["connect-timeout-seconds"]);
  const ca = readCaFiles(opts.ca);
  const { runQueue } = await import("../queue/runner.js");

  let stop = false;
  const onSignal = () => {
    stop = true;
    removeHandlers();
    ctx.io.err.write("Stopping: no new messages are started; the ones in flight finish. Again to stop at once.\n");
  };
  const removeHandlers = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const results: Array<Record<string, unknown>> = [];
  const onEvent = (e: RunEvent) => {
    const base = { id: e.entry.id, messageId: e.entry.messageId };
    const out = ctx.io.out;
    switch (e.type) {
      case "sent":
        results.push({ ...base, outcome: "sent", response: e.response });
        if (!opts.json) out.write(`${ctx.theme.ok("✓")} #${e.entry.id} ${e.entry.kind} to ${e.entry.message.to.join(", ")}: ${printable(e.response)}\n`);
        break;
      case "retry":
        results.push({ ...base, outcome: "retry", retryAt: iso(e.retryAt), error: e.error });
        if (!opts.json) out.write(`${ctx.theme.warn("↻")} #${e.entry.id} [${e.error.category}] ${printable(e.error.message)} (attempt ${e.entry.attempts}; next at ${iso(e.retryAt)})\n`);
        break;
      case "uncertain":
        results.push({ ...base, outcome: "uncertain", error: e.error });
        if (!opts.json) out.write(`${ctx.theme.warn("?")} #${e.entry.id} ${e.error.message} (not sent again; see: mailcfg queue show ${e.entry.id})\n`);
        break;
      case "failed":
        results.push({ ...base, outcome: "failed", error: e.error });
        if (!opts.json) out.write(`${ctx.theme.bad("✗")} #${e.entry.id} [${e.error.category}] ${printable(e.error.message)} (see: mailcfg queue show ${e.entry.id})\n`);
        break;
      case "reclaimed":
        if (!opts.json) ctx.io.err.write(`note: #${e.entry.id} was being sent by a runner that stopped (${e.entry.lease?.runner ?? "unknown"}); it is queued again.\n`);
        break;
      case "lost-lease":
        if (!opts.json) {
          ctx.io.err.write(
            `note: #${e.entry.id} was taken over by another runner while this one held it (its lease had run out); its state is that runner's to record. Any copy carries the same Message-ID ${e.entry.messageId}.\n`,
          );
        }
        break;
    }
  };

  // One connection to the queue for the run and the counts after it (a shared queue's costs a login).
  const { summary, remaining, nextDue } = await withQueue(
    ctx,
    async (q) => {
      const summary = await runQueue(ctx, q, {
        concurrency: opts.concurrency,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        wait: opts.wait,
        timeoutMs,
        ...(ca ? { ca } : {}),
        maxAttempts: settings["queue-max-attempts"],
        resendUncertain: settings["queue-resend-uncertain"] === "yes",
        retryBaseMs: settings["queue-retry-seconds"] * 1000,
        ...leaseFor(ctx, q, opts.leaseMs, timeoutMs),
        stopped: () => stop,
        onEvent,
      });
      const remaining = await q.counts();
      return { summary, remaining, nextDue: summary.claimed === 0 && remaining.queued > 0 ? await q.nextDue() : undefined };
    },
    false,
  ).finally(removeHandlers);

  if (!opts.json) {
    const rate = summary.elapsedMs >= 1000 ? ` (${Math.round((summary.sent * 1000) / summary.elapsedMs)} messages/s)` : "";
    ctx.io.out.write(
      `Sent ${summary.sent}, to retry ${summary.retrying}, failed ${summary.failed}${summary.uncertain ? `, uncertain ${summary.uncertain}` : ""} in ${(summary.elapsedMs / 1000).toFixed(1)} s${summary.sent > 0 ? rate : ""}. ` +
        `Queue now: ${remaining.queued} queued, ${remaining.sending} being sent, ${remaining.failed} failed` +
        `${remaining.uncertain ? `, ${remaining.uncertain} uncertain` : ""}${remaining.corrupt ? `, ${remaining.corrupt} corrupt` : ""}.\n`,
    );
    if (summary.claimed === 0 && remaining.queued > 0) ctx.io.out.write(`Nothing was due; the next entry is due at ${iso(nextDue)}.\n`);
  }
  // Stopped by Ctrl-C or SIGTERM: exit 130, whatever was sent before it.
  const failed = stop ? "cancelled" : (summary.firstFailure?.category as Category | undefined);
  const { firstFailure: _first, ...counts } = summary;
  return { data: { ...counts, remaining, results, stopped: stop }, ...(failed ? { failed } : {}) };
}

/**
 * How long a claim holds and how often it is renewed. The shared queue notices a dead
 * runner on another host only by its lease: 60 s, renewed every 15 s. The local queue
 * also knows its dead by their process id, so its lease only matters for a frozen one.
 * MAILCFG_QUEUE_LEASE_SECONDS changes it (tests use a short one).
 */
function leaseFor(ctx: Context, q: QueueBackend, asked: number | undefined, timeoutMs: number): { leaseMs: number; heartbeatMs: number } {
  const env = ctx.env.MAILCFG_QUEUE_LEASE_SECONDS;
  const leaseMs = asked ?? (env ? timeoutMsOf(env, "MAILCFG_QUEUE_LEASE_SECONDS") : q.kind === "postgres" ? 60_000 : Math.max(120_000, timeoutMs * 4));
  return { leaseMs, heartbeatMs: leaseMs / 4 };
}

export async function runQueueRetry(ctx: Context, opts: { id: number; json: boolean; yes?: boolean }): Promise<CommandResult> {
  const config = await ctx.config();
  const entry = await withQueue(ctx, (q) => mustGet(q, opts.id));
  if (entry.state === "corrupt") {
    throw new UsageError(`Entry #${entry.id} cannot be read, so it cannot be sent.`, `Remove it with: mailcfg queue remove ${entry.id}, and queue the document again.`);
  }
  // An uncertain entry may already be in the recipient's mailbox: a resend is a decision.
  if (entry.state === "uncertain" && !opts.yes && !(ctx.io.canPrompt && (await confirmDuplicate(ctx, entry)))) {
    throw new UsageError(
      `Entry #${entry.id} may have been delivered already (Message-ID ${entry.messageId}); sending it again may deliver a second copy.`,
      `Check the recipient's mailbox first. To send it anyway: mailcfg queue retry ${entry.id} --yes`,
    );
  }
  return withQueue(ctx, async (q) => {
    const e = await mustGet(q, opts.id);
    if (e.state === "sent") throw new UsageError(`Entry #${e.id} was already sent (${iso(e.sentAt)}).`, "To send another copy, queue it again: mailcfg queue add ...");
    if (e.state === "sending") throw new UsageError(`Entry #${e.id} is being sent right now by ${e.lease?.runner ?? "another runner"}.`);
    const kind = findKind(e.kind);
    if (!kind) throw new UsageError(`Entry #${e.id} has the document kind "${e.kind}", which this mailcfg does not know.`);
    // Routed again: a User Email set up (or removed) since it was queued is taken into account.
    const decision = route(kind, e.actingUser ?? undefined, savedProfiles(config), config.settings());
    await q.requeue(
      e.id,
      ctx.now().getTime(),
      { owner: decision.profile.owner, senderEmail: decision.email, route: { ...decision, userSource: e.route.userSource } },
      e.state === "uncertain",
    );
    const changed = decision.email !== e.senderEmail;
    if (!opts.json) {
      ctx.io.out.write(`${ctx.theme.ok("✓")} #${e.id} is queued again, due now${changed ? `, now from ${decision.email} (was ${e.senderEmail})` : ""}. Send it with: mailcfg queue run\n`);
    }
    return { data: { entry: entryJson(await mustGet(q, e.id)) } };
  });
}

async function confirmDuplicate(ctx: Context, e: QueueEntry): Promise<boolean> {
  ctx.io.err.write(`#${e.id} may have been delivered already: ${e.lastError?.message ?? "the earlier attempt ended without an answer."}\n`);
  return ctx.prompt.confirm({ message: `Send #${e.id} again, at the risk of a second copy?`, default: false });
}

export async function runQueueRemove(ctx: Context, opts: { id: number; json: boolean }): Promise<CommandResult> {
  const { newRunnerId } = await import("../queue/runner.js");
  return withQueue(ctx, async (q) => {
    await q.reclaim(newRunnerId(), Date.now());
    const e = await mustGet(q, opts.id);
    if (e.state === "sending" || !(await q.remove(e.id))) {
      throw new UsageError(`Entry #${e.id} is being sent right now by ${e.lease?.runner ?? "another runner"}.`, "Try again when that queue run ends.");
    }
    if (!opts.json) ctx.io.out.write(`Removed #${e.id} (${e.state}, ${e.kind} to ${e.message.to.join(", ")}).\n`);
    return { data: { removed: e.id, state: e.state } };
  });
}

export async function runQueuePurge(ctx: Context, opts: { states: EntryState[]; json: boolean }): Promise<CommandResult> {
  const removed = await withQueue(ctx, (q) => q.purge(opts.states));
  if (!opts.json) ctx.io.out.write(`Removed ${removed} ${opts.states.join(" and ")} entr${removed === 1 ? "y" : "ies"}.\n`);
  return { data: { removed, states: opts.states } };
}

export interface QueueMigrateOptions {
  to: string;
  json: boolean;
}

/**
 * Moves the local SQLite queue's entries into the shared PostgreSQL queue. Each entry is
 * copied (state, attempts, history, attachments) and then removed here; the Message-ID
 * is the key, so running it again after a failure copies nothing twice.
 */
export async function runQueueMigrate(ctx: Context, opts: QueueMigrateOptions): Promise<CommandResult> {
  const { checkQueueUrl, maskQueueUrl } = await import("../config/queue-url.js");
  checkQueueUrl(opts.to, "--to", false);
  const { QueueStore } = await import("../queue/store.js");
  const { openPostgres, queuePassword } = await import("../queue/open.js");
  const password = await queuePassword(ctx);
  const target = await openPostgres(ctx, { url: opts.to, ...(password ? { password } : {}) });
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
  const where = maskQueueUrl(opts.to);
  if (!opts.json) {
    const out = ctx.io.out;
    out.write(`${ctx.theme.ok("✓")} Moved ${moved.length} entr${moved.length === 1 ? "y" : "ies"} to ${where}${already.length ? ` (${already.length} already there, by Message-ID)` : ""}.\n`);
    for (const k of kept) out.write(`  kept #${k.id} here: it is ${k.state === "sending" ? "being sent right now; run this again when that run ends" : "unreadable (mailcfg queue list)"}.\n`);
    out.write(`  Use the shared queue with: ${ctx.theme.cmd("mailcfg config set queue-url " + where)} (or MAILCFG_QUEUE_URL)\n`);
  }
  return { data: { to: where, moved: moved.length, alreadyThere: already.length, kept } };
}
