import type { Context } from "../context.js";
import type { QueueBackend } from "./backend.js";
import type { QueueEntry } from "./entry.js";
import { deliver } from "./deliver.js";
import { newRunner, type RunOptions, type RunSummary, type Runner } from "./run-state.js";
import type { Held } from "./sent-log.js";


const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends what is due. Each entry is claimed with a lease in a transaction, so runners
 * in other processes never send the same entry; entries of dead runners are reclaimed.
 * Connections are pooled per sender for the whole run.
 */
export async function runQueue(ctx: Context, store: QueueBackend, opts: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const run = await newRunner(ctx, store, opts);
  const heartbeat = startHeartbeat(run);
  try {
    await reclaim(run);
    run.lastReclaim = Date.now();
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, () => worker(run)));
    if (run.fatal) throw run.fatal.error;
    await run.sent.flush();
  } finally {
    clearInterval(heartbeat);
    await finish(run);
  }
  run.summary.elapsedMs = Date.now() - started;
  return run.summary;
}

/** Leases are renewed while the run lasts (all of this runner's in one statement), so a slow send is never taken for a dead one. */
function startHeartbeat(run: Runner): NodeJS.Timeout {
  const { store, me, opts } = run;
  const heartbeat = setInterval(() => {
    // The database was busy or out of reach: the next beat renews them, before they expire.
    Promise.resolve()
      .then(() => store.renewLeases(me, Date.now() + opts.leaseMs))
      .catch(() => undefined);
  }, Math.max(100, opts.heartbeatMs ?? opts.leaseMs / 3));
  heartbeat.unref();
  return heartbeat;
}

/** After the workers: sends not recorded yet, claims not started handed back, connections closed. */
async function finish(run: Runner): Promise<void> {
  // A claim made ahead may still be under way: its entries are handed back with the rest.
  if (run.claiming) await run.claiming;
  // Best effort after a failure: an entry whose send is not recorded keeps its body mark (uncertain, never resent).
  await run.sent.flush().catch(() => undefined);
  try {
    const unstarted = run.ready.splice(0);
    // Claimed ahead, never started: not this run's.
    run.summary.claimed -= unstarted.length;
    if (unstarted.length > 0) await run.store.release(run.me, unstarted.map((e) => e.id));
  } catch {
    // Still claimed by this (ending) process: the next run on this host takes them back at once.
  }
  for (const s of run.senders.values()) {
    await s.then(({ provider }) => provider.close()).catch(() => undefined);
  }
  const at = run.ctx.now().toISOString();
  for (const key of run.usedOwners) {
    run.config.recordUse(key === "company" ? { kind: "company" } : { kind: "user", id: key.slice("user:".length) }, at);
  }
}

async function reclaim(run: Runner): Promise<void> {
  for (const entry of await run.store.reclaim(run.me, Date.now())) {
    run.summary.reclaimed += 1;
    run.emit({ type: "reclaimed", entry });
  }
}

/**
 * The next entry for a worker. Entries are claimed a few at a time (one statement for
 * as many as there are workers), and the next few are claimed while the last ones are
 * being sent, so workers seldom wait for a claim.
 */
async function take(run: Runner, now: number): Promise<QueueEntry | undefined> {
  for (;;) {
    const entry = run.ready.shift();
    if (entry) {
      if (run.ready.length * 2 < run.opts.concurrency && !run.claiming) claimMore(run, now);
      return entry;
    }
    if (!run.claiming) claimMore(run, now);
    if (!run.claiming) return undefined; // the run's limit is reached, or it was stopped
    const got = await run.claiming;
    if (got === 0 && run.ready.length === 0) return undefined;
  }
}

/** One claim at a time in this process, for the room left (workers, --limit); a failure of it stops the run. */
function claimMore(run: Runner, now: number): void {
  const { opts, summary } = run;
  const room = Math.min(Math.max(1, opts.concurrency) - run.ready.length, opts.limit === undefined ? Infinity : opts.limit - summary.claimed);
  if (room <= 0 || opts.stopped?.()) return;
  run.claiming = Promise.resolve(run.store.claim(run.me, now, opts.leaseMs, room))
    .then(
      (entries) => {
        summary.claimed += entries.length;
        run.ready.push(...entries);
        return entries.length;
      },
      (error: unknown) => {
        run.fatal ??= { error };
        return 0;
      },
    )
    .finally(() => (run.claiming = undefined));
}

async function worker(run: Runner): Promise<void> {
  try {
    await work(run, run.sent.slot());
  } catch (error) {
    run.fatal ??= { error };
  }
}

async function work(run: Runner, slot: Held[]): Promise<void> {
  const { opts, store } = run;
  for (;;) {
    if (opts.stopped?.() || run.fatal) return;
    const now = Date.now();
    if (now - run.lastReclaim > 1000) {
      run.lastReclaim = now;
      await reclaim(run);
    }
    const entry = await take(run, now);
    if (entry) {
      await deliver(run, slot, entry);
      continue;
    }
    // Nothing to take now: what this worker sent is recorded before it waits or ends.
    await run.sent.flush(slot);
    if (!opts.wait) return;
    if (opts.limit !== undefined && run.summary.claimed >= opts.limit) return;
    const next = await store.nextDue();
    if (next === undefined) {
      // Nothing queued; entries another runner is sending may still come back.
      if ((await store.counts()).sending === 0) return;
      await sleep(250);
      run.lastReclaim = 0;
      continue;
    }
    await sleep(Math.min(1000, Math.max(10, next - Date.now())));
  }
}
