import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Context } from "../context.js";
import type { Profile } from "../config/types.js";
import { ownerArgs, ownerLabel } from "../config/types.js";
import { MailError, NotConfiguredError, SENDING_LIMIT_CODE, isMailError } from "../errors.js";
import type { MailProvider } from "../providers/types.js";
import { errorToJson } from "../failures/error.js";
import { openSender } from "../senders/open.js";
import { ownerKey, type EntryError, type QueueEntry, type RunnerId } from "./store.js";
import type { QueueBackend } from "./backend.js";

export interface RunOptions {
  /** How many messages are in flight at once. */
  concurrency: number;
  /** Claim at most this many entries in this run. */
  limit?: number;
  /** Keep going until nothing is queued, waiting for retries that come due. */
  wait: boolean;
  timeoutMs: number;
  ca?: string[];
  maxAttempts: number;
  /** Retry a failure that may have delivered the message, instead of setting it aside (setting queue-resend-uncertain). */
  resendUncertain?: boolean;
  /** The first retry waits this long; each next one twice as long (capped at 6 hours). */
  retryBaseMs: number;
  leaseMs: number;
  /** How often leases are renewed (default a third of the lease). */
  heartbeatMs?: number;
  /** Stops claiming when it returns true (a signal arrived). */
  stopped?: () => boolean;
  onEvent?: (e: RunEvent) => void;
}

export type RunEvent =
  | { type: "sent"; entry: QueueEntry; response: string }
  | { type: "retry"; entry: QueueEntry; error: EntryError; retryAt: number }
  | { type: "failed"; entry: QueueEntry; error: EntryError }
  | { type: "uncertain"; entry: QueueEntry; error: EntryError }
  | { type: "reclaimed"; entry: QueueEntry }
  | { type: "lost-lease"; entry: QueueEntry };

export interface RunSummary {
  runner: string;
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  uncertain: number;
  reclaimed: number;
  elapsedMs: number;
  firstFailure?: EntryError;
}

const MAX_BACKOFF_MS = 6 * 3600_000;

/**
 * This runner's name in the queue. MAILCFG_QUEUE_RUNNER_HOST names the host when host
 * names are not unique among the machines sharing a queue (runners on the same named
 * host know each other's deaths by process id).
 */
export function newRunnerId(host = hostname()): RunnerId {
  return { id: `${host}:${process.pid}:${randomBytes(3).toString("hex")}`, host, pid: process.pid };
}

/**
 * Whether trying again can help: SMTP 4xx replies, a sending limit reached (Gmail API
 * 429) and connection problems (category server: refused, reset, timeouts) are
 * transient; 5xx replies, auth, TLS and rejected messages are not.
 */
export function isTransient(err: MailError): boolean {
  // The failure model's verdict, for every error that came through it.
  if (err.details.transient !== undefined) return err.details.transient;
  const code = err.details.code;
  if (code && /^4/.test(code)) return true;
  // The message is fine; the account sent too much for now. Later it goes through.
  if (code === SENDING_LIMIT_CODE) return true;
  if (code && /^5/.test(code)) return false;
  return err.category === "server";
}

/** The wait before retry number `attempt` (1 = the first retry), with a little jitter. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const plain = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (1 + 0.1 * random()));
}

function entryError(err: unknown, transient: boolean, now: number): EntryError {
  const e = isMailError(err) ? err : new MailError("unknown", err instanceof Error ? err.message : String(err), { cause: err });
  return { ...errorToJson(e), transient, at: new Date(now).toISOString() };
}

/** This runner's lease on an entry was taken over: it must not hand the message over. */
class LeaseLost extends Error {
  constructor(id: number) {
    super(`The lease on entry #${id} was taken over by another runner.`);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends what is due. Each entry is claimed with a lease in a transaction, so runners
 * in other processes never send the same entry; entries of dead runners are reclaimed.
 * Connections are pooled per sender for the whole run.
 */
export async function runQueue(ctx: Context, store: QueueBackend, opts: RunOptions): Promise<RunSummary> {
  const me = newRunnerId(ctx.env.MAILCFG_QUEUE_RUNNER_HOST || undefined);
  const started = Date.now();
  const config = await ctx.config();
  const summary: RunSummary = { runner: me.id, claimed: 0, sent: 0, retrying: 0, failed: 0, uncertain: 0, reclaimed: 0, elapsedMs: 0 };
  const senders = new Map<string, Promise<{ provider: MailProvider; profile: Profile }>>();
  const usedOwners = new Set<string>();
  const emit = (e: RunEvent) => opts.onEvent?.(e);

  const senderFor = (entry: QueueEntry) => {
    const key = ownerKey(entry.owner);
    let s = senders.get(key);
    if (!s) {
      s = (async () => {
        const profile = config.getProfile(entry.owner);
        if (!profile) throw new NotConfiguredError(`The ${ownerLabel(entry.owner)} is not set up any more.`, `mailcfg setup ${ownerArgs(entry.owner)}`);
        const provider = await openSender(ctx, entry.owner, profile, {
          timeoutMs: opts.timeoutMs,
          pool: true,
          maxConnections: opts.concurrency,
          ...(opts.ca ? { ca: opts.ca } : {}),
        });
        return { provider, profile };
      })();
      // A failed setup is not cached as failed forever: a later entry may try again.
      s.catch(() => senders.delete(key));
      senders.set(key, s);
    }
    return s;
  };

  const deliver = async (entry: QueueEntry) => {
    let response: string;
    try {
      const { provider, profile } = await senderFor(entry);
      if (entry.checkFirst || entry.lastError?.maybeDelivered) {
        // A resend of an uncertain entry: an HTTP sender can tell whether it went out.
        const found = await alreadySent(provider, entry);
        if (found === "unknown") return;
        if (found) {
          await recordSent(entry, found);
          return;
        }
      }
      // The claim listed them (names and sizes): no query for the many entries without.
      const attachments = entry.attachments.length > 0 ? await store.attachmentsOf(entry.id) : [];
      const sent = await provider.send(
        {
          ...entry.message,
          from: profile.email,
          ...(profile.name ? { fromName: profile.name } : {}),
          messageId: entry.messageId,
          ...(attachments.length > 0 ? { attachments } : {}),
        },
        // Recorded before the final "." goes out: a runner killed after it leaves the entry
        // uncertain. A runner whose lease was taken over (it was thought dead) stops here.
        {
          beforeBody: async () => {
            if (!(await store.markBody(me, entry.id, Date.now()))) throw new LeaseLost(entry.id);
          },
        },
      );
      response = sent.rejected.length > 0 ? `${sent.response} (refused: ${sent.rejected.join(", ")})` : sent.response;
    } catch (err) {
      if (err instanceof LeaseLost || (isMailError(err) && err.details.cause instanceof LeaseLost)) {
        emit({ type: "lost-lease", entry });
        return;
      }
      await recordFailure(entry, err);
      return;
    }
    // Outside the try: the server has the message, so a failure to record it must never
    // mark it failed or retry it. If recording fails, the entry stays claimed and the
    // next run sends it again with the same Message-ID.
    await recordSent(entry, response);
  };

  const recordSent = async (entry: QueueEntry, response: string) => {
    if (!(await store.markSent(entry.id, Date.now(), response))) emit({ type: "lost-lease", entry });
    usedOwners.add(ownerKey(entry.owner));
    summary.sent += 1;
    emit({ type: "sent", entry, response });
  };

  /** The response to record when the mailbox holds it, false when it does not, "unknown" when set aside again. */
  const alreadySent = async (provider: MailProvider, entry: QueueEntry): Promise<string | false | "unknown"> => {
    if (!provider.findSent) return false; // SMTP cannot tell; the resend was asked for with --yes.
    const check = await provider.findSent(entry.messageId);
    if ("found" in check) return check.found ? `Not sent again: the sender's mailbox already holds Message-ID ${entry.messageId}.` : false;
    const error: EntryError = {
      category: "unknown",
      message: `Not sent again: whether the earlier attempt was delivered cannot be checked (${check.unknown}).`,
      hint: `Look for Message-ID ${entry.messageId} in the sender's Sent folder; then remove the entry, or queue it again.`,
      transient: false,
      at: new Date().toISOString(),
    };
    await store.markUncertain(me, entry.id, error);
    summary.uncertain += 1;
    emit({ type: "uncertain", entry, error });
    return "unknown";
  };

  const recordFailure = async (entry: QueueEntry, err: unknown) => {
    const now = Date.now();
    if (isMailError(err) && err.details.facts?.maybeDelivered && !opts.resendUncertain) {
      const error: EntryError = {
        ...entryError(err, false, now),
        maybeDelivered: true,
        message: `May have been delivered: the connection ended after the whole message was handed over, with no answer. ${err.message}`,
        hint: `Check whether Message-ID ${entry.messageId} arrived. It is not sent again by itself; to send it anyway: mailcfg queue retry ${entry.id} --yes`,
      };
      await store.markUncertain(me, entry.id, error);
      summary.uncertain += 1;
      // The run reports it as the failure it was (a lost connection: exit 4).
      summary.firstFailure ??= error;
      emit({ type: "uncertain", entry, error });
      return;
    }
    const maybeDelivered = isMailError(err) && err.details.facts?.maybeDelivered === true;
    // Allowed by the setting: retried as transient; an HTTP sender looks in the mailbox first.
    const transient = isMailError(err) && (maybeDelivered || isTransient(err));
    const error = entryError(err, transient, now);
    if (maybeDelivered) error.maybeDelivered = true;
    if (transient && entry.attempts < opts.maxAttempts) {
      // Never sooner than the server asked (Retry-After of a throttled Graph request).
      const asked = isMailError(err) ? (err.details.facts?.retryAfterSeconds ?? 0) * 1000 : 0;
      const retryAt = now + Math.max(backoffMs(entry.attempts, opts.retryBaseMs), asked);
      await store.markFailed(me, entry.id, error, retryAt);
      summary.retrying += 1;
      emit({ type: "retry", entry, error, retryAt });
      return;
    }
    if (transient) error.message = `Gave up after ${entry.attempts} attempts: ${error.message}`;
    error.transient = false;
    await store.markFailed(me, entry.id, error, undefined);
    summary.failed += 1;
    summary.firstFailure ??= error;
    emit({ type: "failed", entry, error });
  };

  const reclaim = async () => {
    for (const entry of await store.reclaim(me, Date.now())) {
      summary.reclaimed += 1;
      emit({ type: "reclaimed", entry });
    }
  };

  // Leases are renewed while the run lasts, so a slow send is never taken for a dead one.
  const heartbeat = setInterval(() => {
    // The database was busy or out of reach: the next beat renews them, before they expire.
    Promise.resolve()
      .then(() => store.renewLeases(me, Date.now() + opts.leaseMs))
      .catch(() => undefined);
  }, Math.max(100, opts.heartbeatMs ?? opts.leaseMs / 3));
  heartbeat.unref();
  let lastReclaim = 0;

  // Entries are claimed a few at a time (one transaction for as many as there are
  // workers), then handed to the workers one by one.
  const ready: QueueEntry[] = [];
  // One claim at a time in this process: workers waiting for it share its result.
  let claiming: Promise<void> | undefined;
  const take = async (now: number): Promise<QueueEntry | undefined> => {
    while (ready.length === 0) {
      if (claiming) {
        await claiming;
        continue;
      }
      const room = Math.min(Math.max(1, opts.concurrency), opts.limit === undefined ? Infinity : opts.limit - summary.claimed);
      if (room <= 0) return undefined;
      let got = 0;
      claiming = Promise.resolve(store.claim(me, now, opts.leaseMs, room)).then((entries) => {
        got = entries.length;
        summary.claimed += entries.length;
        ready.push(...entries);
      });
      try {
        await claiming;
      } finally {
        claiming = undefined;
      }
      if (got === 0) return undefined;
    }
    return ready.shift();
  };

  // A failure of the queue itself (not of a message) stops every worker, then is thrown.
  let fatal: { error: unknown } | undefined;
  const worker = async () => {
    try {
      await work();
    } catch (error) {
      fatal ??= { error };
    }
  };
  const work = async () => {
    for (;;) {
      if (opts.stopped?.() || fatal) return;
      const now = Date.now();
      if (now - lastReclaim > 1000) {
        lastReclaim = now;
        await reclaim();
      }
      const entry = await take(now);
      if (entry) {
        await deliver(entry);
        continue;
      }
      if (!opts.wait) return;
      if (opts.limit !== undefined && summary.claimed >= opts.limit) return;
      const next = await store.nextDue();
      if (next === undefined) {
        // Nothing queued; entries another runner is sending may still come back.
        if ((await store.counts()).sending === 0) return;
        await sleep(250);
        lastReclaim = 0;
        continue;
      }
      await sleep(Math.min(1000, Math.max(10, next - Date.now())));
    }
  };

  try {
    await reclaim();
    lastReclaim = Date.now();
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
    if (fatal) throw fatal.error;
  } finally {
    clearInterval(heartbeat);
    try {
      if (ready.length > 0) await store.release(me, ready.splice(0).map((e) => e.id));
    } catch {
      // Still claimed by this (ending) process: the next run on this host takes them back at once.
    }
    for (const s of senders.values()) {
      await s.then(({ provider }) => provider.close()).catch(() => undefined);
    }
    const at = ctx.now().toISOString();
    for (const key of usedOwners) {
      config.recordUse(key === "company" ? { kind: "company" } : { kind: "user", id: key.slice("user:".length) }, at);
    }
  }
  summary.elapsedMs = Date.now() - started;
  return summary;
}
