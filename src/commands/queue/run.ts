import type { Context } from "../../context.js";
import type { Category } from "../../errors.js";
import type { EntryState } from "../../queue/entry.js";
import type { QueueBackend } from "../../queue/backend.js";
import type { RunEvent, RunSummary } from "../../queue/run-state.js";
import type { QueueRunInput } from "../../cli/queue.js";
import { printable } from "../../ui/printable.js";
import { parseIntFlag, parseTimeoutSeconds, readCaFiles, type CommandResult } from "../shared.js";
import { timeoutMs as timeoutMsOf } from "../../util/timeout.js";
import { iso, withQueue } from "./entries.js";

export async function runQueueRun(ctx: Context, input: QueueRunInput): Promise<CommandResult> {
  const concurrency = parseIntFlag(input.concurrency, "--concurrency", 1, 64);
  const limit = input.limit === undefined ? undefined : parseIntFlag(input.limit, "--limit", 1, Number.MAX_SAFE_INTEGER);
  const settings = (await ctx.config()).settings();
  const timeoutMs = parseTimeoutSeconds(input.timeout, settings["connect-timeout-seconds"]);
  const ca = readCaFiles(input.ca);
  const { runQueue } = await import("../../queue/runner.js");

  const signal = stopOnSignal(ctx);
  const results: Array<Record<string, unknown>> = [];
  const onEvent = (e: RunEvent) => {
    const { result, line, note } = said(ctx, e);
    if (result) results.push({ id: e.entry.id, messageId: e.entry.messageId, ...result });
    if (line && !input.json) ctx.io.out.write(line + "\n");
    if (note && !input.json) ctx.io.err.write(note + "\n");
  };

  // One connection to the queue for the run and the counts after it (a shared queue's costs a login).
  const { summary, remaining, nextDue } = await withQueue(
    ctx,
    async (q) => {
      const summary = await runQueue(ctx, q, {
        concurrency,
        ...(limit !== undefined ? { limit } : {}),
        wait: input.wait,
        timeoutMs,
        ...(ca ? { ca } : {}),
        maxAttempts: settings["queue-max-attempts"],
        resendUncertain: settings["queue-resend-uncertain"] === "yes",
        retryBaseMs: settings["queue-retry-seconds"] * 1000,
        ...leaseFor(ctx, q, timeoutMs),
        stopped: signal.stopped,
        onEvent,
      });
      const remaining = await q.counts();
      return { summary, remaining, nextDue: summary.claimed === 0 && remaining.queued > 0 ? await q.nextDue() : undefined };
    },
    false,
  ).finally(signal.remove);

  if (!input.json) printSummary(ctx, summary, remaining, nextDue);
  // Stopped by Ctrl-C or SIGTERM: exit 130, whatever was sent before it.
  const stopped = signal.stopped();
  const failed = stopped ? "cancelled" : (summary.firstFailure?.category as Category | undefined);
  const { firstFailure: _first, ...counts } = summary;
  return { data: { ...counts, remaining, results, stopped }, ...(failed ? { failed } : {}) };
}

/**
 * The first Ctrl-C (or SIGTERM) stops claiming new entries and lets the ones in flight
 * finish; its handlers are then removed, so a second one stops the process at once.
 */
function stopOnSignal(ctx: Context): { stopped: () => boolean; remove: () => void } {
  let stop = false;
  const onSignal = () => {
    stop = true;
    remove();
    ctx.io.err.write("Stopping: no new messages are started; the ones in flight finish. Again to stop at once.\n");
  };
  const remove = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return { stopped: () => stop, remove };
}

/** What a run event says: its row in --json's results, its line on stdout, or a note on stderr. */
function said(ctx: Context, e: RunEvent): { result?: Record<string, unknown>; line?: string; note?: string } {
  const t = ctx.theme;
  switch (e.type) {
    case "sent":
      return { result: { outcome: "sent", response: e.response }, line: `${t.ok("✓")} #${e.entry.id} ${e.entry.kind} to ${e.entry.message.to.join(", ")}: ${printable(e.response)}` };
    case "retry":
      return {
        result: { outcome: "retry", retryAt: iso(e.retryAt), error: e.error },
        line: `${t.warn("↻")} #${e.entry.id} [${e.error.category}] ${printable(e.error.message)} (attempt ${e.entry.attempts}; next at ${iso(e.retryAt)})`,
      };
    case "uncertain":
      return { result: { outcome: "uncertain", error: e.error }, line: `${t.warn("?")} #${e.entry.id} ${e.error.message} (not sent again; see: mailcfg queue show ${e.entry.id})` };
    case "failed":
      return { result: { outcome: "failed", error: e.error }, line: `${t.bad("✗")} #${e.entry.id} [${e.error.category}] ${printable(e.error.message)} (see: mailcfg queue show ${e.entry.id})` };
    case "reclaimed":
      return { note: `note: #${e.entry.id} was being sent by a runner that stopped (${e.entry.lease?.runner ?? "unknown"}); it is queued again.` };
    case "lost-lease":
      return {
        note: `note: #${e.entry.id} was taken over by another runner while this one held it (its lease had run out); its state is that runner's to record. Any copy carries the same Message-ID ${e.entry.messageId}.`,
      };
  }
}

function printSummary(ctx: Context, summary: RunSummary, remaining: Record<EntryState, number>, nextDue: number | undefined): void {
  const rate = summary.elapsedMs >= 1000 ? ` (${Math.round((summary.sent * 1000) / summary.elapsedMs)} messages/s)` : "";
  ctx.io.out.write(
    `Sent ${summary.sent}, to retry ${summary.retrying}, failed ${summary.failed}${summary.uncertain ? `, uncertain ${summary.uncertain}` : ""} in ${(summary.elapsedMs / 1000).toFixed(1)} s${summary.sent > 0 ? rate : ""}. ` +
      `Queue now: ${remaining.queued} queued, ${remaining.sending} being sent, ${remaining.failed} failed` +
      `${remaining.uncertain ? `, ${remaining.uncertain} uncertain` : ""}${remaining.corrupt ? `, ${remaining.corrupt} corrupt` : ""}.\n`,
  );
  if (summary.claimed === 0 && remaining.queued > 0) ctx.io.out.write(`Nothing was due; the next entry is due at ${iso(nextDue)}.\n`);
}

/**
 * How long a claim holds and how often it is renewed. The shared queue notices a dead
 * runner on another host only by its lease: 60 s, renewed every 15 s. The local queue
 * also knows its dead by their process id, so its lease only matters for a frozen one.
 * MAILCFG_QUEUE_LEASE_SECONDS changes it (tests use a short one).
 */
function leaseFor(ctx: Context, q: QueueBackend, timeoutMs: number): { leaseMs: number; heartbeatMs: number } {
  const env = ctx.env.MAILCFG_QUEUE_LEASE_SECONDS;
  const leaseMs = env ? timeoutMsOf(env, "MAILCFG_QUEUE_LEASE_SECONDS") : q.kind === "postgres" ? 60_000 : Math.max(120_000, timeoutMs * 4);
  return { leaseMs, heartbeatMs: leaseMs / 4 };
}
