import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { Context } from "../context.js";
import { ownerLabel } from "../config/types.js";
import { UsageError, type Category } from "../errors.js";
import { findKind } from "../routing/catalogue.js";
import { route } from "../routing/route.js";
import { savedProfiles } from "../routing/acting-user.js";
import { addMessageFlags, prepareMessage, toMessageInput, type MessageInput } from "../send/message.js";
import type { QueueStore, QueueEntry, EntryState } from "../queue/store.js";
import type { RunEvent } from "../queue/runner.js";
import { messageSummary } from "./send.js";
import { addConnectFlags, parseIntFlag, parseTimeoutSeconds, readCaFiles, type CommandResult } from "./shared.js";

type Done = (r: CommandResult) => void;

/** The queue module (and better-sqlite3 with it) is loaded only by the queue commands. */
async function openQueue(ctx: Context, durable = true): Promise<QueueStore> {
  const { QueueStore } = await import("../queue/store.js");
  return QueueStore.open(ctx.configDir, { durable });
}

async function withQueue<T>(ctx: Context, use: (q: QueueStore) => Promise<T> | T, durable = true): Promise<T> {
  const q = await openQueue(ctx, durable);
  try {
    return await use(q);
  } finally {
    q.close();
  }
}

function parseId(value: string): number {
  return parseIntFlag(value, "<id>", 1, Number.MAX_SAFE_INTEGER);
}

function mustGet(q: QueueStore, id: number): QueueEntry {
  const e = q.get(id);
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

export function queueCommand(ctx: Context, done: Done): Command {
  const cmd = new Command("queue").description('the email queue ("Add to Email Queue"): store messages, then send them with queue run');
  cmd.addHelpText(
    "after",
    `
Entries live in <config dir>/queue.db. Each keeps the Message-ID given when it was
queued, so a copy sent again after a crash is recognisable. Several queue run at once
never send the same entry; an entry whose runner died is sent by the next run.
Temporary failures (4xx replies, connection problems) are retried with growing waits
(settings queue-max-attempts, queue-retry-seconds); permanent ones stop with the
diagnosis kept on the entry (mailcfg queue show <id>).

Examples:
  $ mailcfg queue add --doc sales-order --user jdoe --to buyer@customer.test \\
      --var number=SO-1001 --var customer="Acme Ltd" --attach SO-1001.pdf
  $ mailcfg queue list
  $ mailcfg queue run --concurrency 4
  $ mailcfg queue show 12 --json
  $ mailcfg queue retry 12
  $ mailcfg queue purge --sent`,
  );

  const add = new Command("add").description("queue a document to send later (same flags as send)");
  addMessageFlags(add)
    .option("--json", "print one JSON document on stdout")
    .addHelpText("after", "\nExample:\n  $ mailcfg queue add --doc invoice --user jdoe --to ap@customer.test --var number=INV-1 --var customer=Acme")
    .action(async (raw: Record<string, unknown>) => done(await runQueueAdd(ctx, { message: toMessageInput(raw), json: raw.json === true })));
  cmd.addCommand(add);

  cmd.addCommand(
    new Command("list")
      .description("every entry: state, kind, sender, recipients, attempts, last error")
      .addOption(new Option("--state <state>", "only entries in this state").choices([...["queued", "sending", "sent", "failed"]]))
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExamples:\n  $ mailcfg queue list\n  $ mailcfg queue list --state failed --json")
      .action(async (raw: { state?: EntryState; json?: boolean }) => done(await runQueueList(ctx, { ...(raw.state ? { state: raw.state } : {}), json: raw.json === true }))),
  );

  cmd.addCommand(
    new Command("show")
      .description("one entry in full, with the diagnosis of its last failure")
      .argument("<id>")
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExample:\n  $ mailcfg queue show 12")
      .action(async (id: string, raw: { json?: boolean }) => done(await runQueueShow(ctx, { id: parseId(id), json: raw.json === true }))),
  );

  const run = new Command("run")
    .description("send what is due: queued entries, and entries of runners that died")
    .option("--concurrency <n>", "messages in flight at once (connections are pooled per sender)", "4")
    .option("--limit <n>", "send at most this many entries in this run")
    .option("--wait", "keep going until nothing is queued, waiting for retries that come due")
    .option("--json", "print one JSON document on stdout");
  addConnectFlags(run);
  run
    .addHelpText(
      "after",
      `
Ctrl+C (or SIGTERM) stops claiming new entries and lets the messages in flight finish;
a second one stops at once. Entries in flight then are sent by the next run.

Examples:
  $ mailcfg queue run
  $ mailcfg queue run --concurrency 8 --limit 500 --json
  $ mailcfg queue run --wait          # until everything is sent or has failed`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const opts: QueueRunOptions = {
        concurrency: parseIntFlag(String(raw.concurrency), "--concurrency", 1, 64),
        wait: raw.wait === true,
        json: raw.json === true,
      };
      if (typeof raw.limit === "string") opts.limit = parseIntFlag(raw.limit, "--limit", 1, Number.MAX_SAFE_INTEGER);
      if (typeof raw.timeout === "string") opts.timeout = raw.timeout;
      if (Array.isArray(raw.ca)) opts.ca = raw.ca as string[];
      done(await runQueueRun(ctx, opts));
    });
  cmd.addCommand(run);

  cmd.addCommand(
    new Command("retry")
      .description("send a failed entry again: due now, attempts reset, routed again with today's profiles")
      .argument("<id>")
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExample:\n  $ mailcfg queue retry 12 && mailcfg queue run")
      .action(async (id: string, raw: { json?: boolean }) => done(await runQueueRetry(ctx, { id: parseId(id), json: raw.json === true }))),
  );

  cmd.addCommand(
    new Command("remove")
      .description("delete an entry that is not being sent right now")
      .argument("<id>")
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExample:\n  $ mailcfg queue remove 12")
      .action(async (id: string, raw: { json?: boolean }) => done(await runQueueRemove(ctx, { id: parseId(id), json: raw.json === true }))),
  );

  cmd.addCommand(
    new Command("purge")
      .description("delete sent (and, with --failed, failed) entries")
      .option("--sent", "delete the entries that were sent")
      .option("--failed", "delete the entries that failed for good")
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExamples:\n  $ mailcfg queue purge --sent\n  $ mailcfg queue purge --sent --failed")
      .action(async (raw: { sent?: boolean; failed?: boolean; json?: boolean }) => {
        const states: EntryState[] = [...(raw.sent ? (["sent"] as const) : []), ...(raw.failed ? (["failed"] as const) : [])];
        if (states.length === 0) throw new UsageError("Say what to purge: --sent (and/or --failed).", "Queued entries are never purged; remove one with mailcfg queue remove <id>.");
        done(await runQueuePurge(ctx, { states, json: raw.json === true }));
      }),
  );
  return cmd;
}

export async function runQueueAdd(ctx: Context, opts: { message: MessageInput; json: boolean }): Promise<CommandResult> {
  const prepared = await prepareMessage(ctx, opts.message);
  // The bytes are kept in the queue: a file changed or deleted later cannot change the message.
  const attachments = prepared.attachments.map((a) => {
    try {
      return { filename: a.filename, content: readFileSync(a.path) };
    } catch (err) {
      throw new UsageError(`--attach ${a.path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}).`, "Nothing was queued.");
    }
  });
  const m = prepared.mail;
  const now = ctx.now().getTime();
  const id = await withQueue(ctx, (q) =>
    q.add(
      {
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
      },
      now,
    ),
  );
  if (!opts.json) {
    ctx.io.out.write(`${ctx.theme.ok("✓")} Queued #${id}: ${prepared.kind.id} from ${m.from} (${ownerLabel(prepared.owner)}${prepared.decision.fallback ? ", fallback" : ""}) to ${m.to.join(", ")}\n`);
    ctx.io.out.write(`  Message-ID: ${m.messageId}\n`);
    ctx.io.out.write(ctx.theme.dim(`  why: ${prepared.decision.explanation.join(" ")}`) + "\n");
    ctx.io.out.write(`  Send it with: ${ctx.theme.cmd("mailcfg queue run")}\n`);
  }
  return { data: { id, state: "queued", ...messageSummary(prepared) } };
}

export async function runQueueList(ctx: Context, opts: { state?: EntryState; json: boolean }): Promise<CommandResult> {
  const entries = await withQueue(ctx, (q) => q.list(opts.state));
  if (!opts.json) {
    const out = ctx.io.out;
    if (entries.length === 0) out.write(opts.state ? `No ${opts.state} entries.\n` : "The queue is empty. Add with: mailcfg queue add --doc <kind> --to <address> ...\n");
    else out.write(ctx.theme.dim(`${"ID".padEnd(6)}${"STATE".padEnd(9)}${"KIND".padEnd(28)}${"FROM".padEnd(30)}${"TO".padEnd(32)}TRIES  LAST ERROR`) + "\n");
    for (const e of entries) {
      const to = e.message.to.join(",");
      const err = e.state === "sent" || !e.lastError ? "" : `[${e.lastError.category}] ${e.lastError.message}`.slice(0, 70);
      out.write(
        `${String(e.id).padEnd(6)}${e.state.padEnd(9)}${e.kind.padEnd(28)}${e.senderEmail.padEnd(30)}${(to.length > 30 ? to.slice(0, 29) + "…" : to).padEnd(32)}${String(e.attempts).padEnd(7)}${err}\n`,
      );
    }
  }
  return { data: { entries: entries.map(entryJson) } };
}

export async function runQueueShow(ctx: Context, opts: { id: number; json: boolean }): Promise<CommandResult> {
  const e = await withQueue(ctx, (q) => mustGet(q, opts.id));
  const j = entryJson(e);
  if (!opts.json) {
    const out = ctx.io.out;
    const line = (k: string, v: unknown) => v !== undefined && v !== null && v !== "" && out.write(`${(k + ":").padEnd(12)}${String(v)}\n`);
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
      out.write(`${e.state === "failed" ? ctx.theme.bad("failed") : ctx.theme.warn("last error")} [${le.category}] at ${le.at}: ${le.message}\n`);
      if (le.evidence) out.write(`  evidence: ${le.evidence}\n`);
      if (le.hint) out.write(`  fix: ${le.hint}\n`);
      if (e.state === "failed") out.write(`  then: ${ctx.theme.cmd(`mailcfg queue retry ${e.id}`)}\n`);
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
        if (!opts.json) out.write(`${ctx.theme.ok("✓")} #${e.entry.id} ${e.entry.kind} to ${e.entry.message.to.join(", ")}: ${e.response}\n`);
        break;
      case "retry":
        results.push({ ...base, outcome: "retry", retryAt: iso(e.retryAt), error: e.error });
        if (!opts.json) out.write(`${ctx.theme.warn("↻")} #${e.entry.id} [${e.error.category}] ${e.error.message} (attempt ${e.entry.attempts}; next at ${iso(e.retryAt)})\n`);
        break;
      case "failed":
        results.push({ ...base, outcome: "failed", error: e.error });
        if (!opts.json) out.write(`${ctx.theme.bad("✗")} #${e.entry.id} [${e.error.category}] ${e.error.message} (see: mailcfg queue show ${e.entry.id})\n`);
        break;
      case "reclaimed":
        if (!opts.json) ctx.io.err.write(`note: #${e.entry.id} was being sent by a runner that stopped (${e.entry.lease?.runner ?? "unknown"}); it is queued again.\n`);
        break;
      case "lost-lease":
        if (!opts.json) {
          ctx.io.err.write(
            `note: #${e.entry.id} was taken over by another runner while this one sent it, and its result was recorded there; a second copy carries the same Message-ID ${e.entry.messageId}.\n`,
          );
        }
        break;
    }
  };

  const summary = await withQueue(
    ctx,
    (q) =>
      runQueue(ctx, q, {
        concurrency: opts.concurrency,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        wait: opts.wait,
        timeoutMs,
        ...(ca ? { ca } : {}),
        maxAttempts: settings["queue-max-attempts"],
        retryBaseMs: settings["queue-retry-seconds"] * 1000,
        leaseMs: opts.leaseMs ?? Math.max(120_000, timeoutMs * 4),
        stopped: () => stop,
        onEvent,
      }),
    false,
  ).finally(removeHandlers);

  const remaining = await withQueue(ctx, (q) => q.counts());
  if (!opts.json) {
    const rate = summary.elapsedMs >= 1000 ? ` (${Math.round((summary.sent * 1000) / summary.elapsedMs)} messages/s)` : "";
    ctx.io.out.write(
      `Sent ${summary.sent}, to retry ${summary.retrying}, failed ${summary.failed} in ${(summary.elapsedMs / 1000).toFixed(1)} s${summary.sent > 0 ? rate : ""}. ` +
        `Queue now: ${remaining.queued} queued, ${remaining.sending} being sent, ${remaining.failed} failed.\n`,
    );
    if (summary.claimed === 0 && remaining.queued > 0) ctx.io.out.write(`Nothing was due; the next entry is due at ${iso(await withQueue(ctx, (q) => q.nextDue()))}.\n`);
  }
  const failed = summary.firstFailure?.category as Category | undefined;
  const { firstFailure: _first, ...counts } = summary;
  return { data: { ...counts, remaining, results, stopped: stop }, ...(failed ? { failed } : {}) };
}

export async function runQueueRetry(ctx: Context, opts: { id: number; json: boolean }): Promise<CommandResult> {
  const config = await ctx.config();
  return withQueue(ctx, (q) => {
    const e = mustGet(q, opts.id);
    if (e.state === "sent") throw new UsageError(`Entry #${e.id} was already sent (${iso(e.sentAt)}).`, "To send another copy, queue it again: mailcfg queue add ...");
    if (e.state === "sending") throw new UsageError(`Entry #${e.id} is being sent right now by ${e.lease?.runner ?? "another runner"}.`);
    const kind = findKind(e.kind);
    if (!kind) throw new UsageError(`Entry #${e.id} has the document kind "${e.kind}", which this mailcfg does not know.`);
    // Routed again: a User Email set up (or removed) since it was queued is taken into account.
    const decision = route(kind, e.actingUser ?? undefined, savedProfiles(config), config.settings());
    q.requeue(e.id, ctx.now().getTime(), { owner: decision.profile.owner, senderEmail: decision.email, route: { ...decision, userSource: e.route.userSource } });
    const changed = decision.email !== e.senderEmail;
    if (!opts.json) {
      ctx.io.out.write(`${ctx.theme.ok("✓")} #${e.id} is queued again, due now${changed ? `, now from ${decision.email} (was ${e.senderEmail})` : ""}. Send it with: mailcfg queue run\n`);
    }
    return { data: { entry: entryJson(mustGet(q, e.id)) } };
  });
}

export async function runQueueRemove(ctx: Context, opts: { id: number; json: boolean }): Promise<CommandResult> {
  const { newRunnerId } = await import("../queue/runner.js");
  return withQueue(ctx, (q) => {
    q.reclaim(newRunnerId(), Date.now());
    const e = mustGet(q, opts.id);
    if (e.state === "sending" || !q.remove(e.id)) {
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
