import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Context } from "../context.js";
import type { Profile } from "../config/types.js";
import type { ConfigStore } from "../config/store.js";
import type { MailProvider } from "../providers/types.js";
import type { QueueBackend } from "./backend.js";
import { ownerKey, type EntryError, type QueueEntry, type RunnerId } from "./entry.js";
import { SentLog } from "./sent-log.js";

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

/** One run of the queue: what every step reads and updates. */
export interface Runner {
  readonly ctx: Context;
  readonly config: ConfigStore;
  readonly store: QueueBackend;
  readonly opts: RunOptions;
  readonly me: RunnerId;
  readonly summary: RunSummary;
  /** Connections are pooled per sender (owner) for the whole run. */
  readonly senders: Map<string, Promise<{ provider: MailProvider; profile: Profile }>>;
  /** Owners whose sender sent something (their last use is recorded at the end). */
  readonly usedOwners: Set<string>;
  /** Claimed, not started yet: handed to the workers one by one. */
  readonly ready: QueueEntry[];
  /** The claim under way in this process (how many it got): workers waiting for it share its result. */
  claiming?: Promise<number>;
  /** A failure of the queue itself (not of a message): every worker stops, then it is thrown. */
  fatal?: { error: unknown };
  lastReclaim: number;
  /** Sends the server accepted, recorded a few at a time. */
  readonly sent: SentLog;
  emit(e: RunEvent): void;
}

/**
 * This runner's name in the queue. MAILCFG_QUEUE_RUNNER_HOST names the host when host
 * names are not unique among the machines sharing a queue (runners on the same named
 * host know each other's deaths by process id).
 */
export function newRunnerId(host = hostname()): RunnerId {
  return { id: `${host}:${process.pid}:${randomBytes(3).toString("hex")}`, host, pid: process.pid };
}

export async function newRunner(ctx: Context, store: QueueBackend, opts: RunOptions): Promise<Runner> {
  const config = await ctx.config();
  const me = newRunnerId(ctx.env.MAILCFG_QUEUE_RUNNER_HOST || undefined);
  const summary: RunSummary = { runner: me.id, claimed: 0, sent: 0, retrying: 0, failed: 0, uncertain: 0, reclaimed: 0, elapsedMs: 0 };
  const emit = (e: RunEvent) => opts.onEvent?.(e);
  const usedOwners = new Set<string>();
  const sent = new SentLog(store, (entry, response, recorded) => {
    // Not recorded: another runner took the entry over (its lease had run out); it is still sent.
    if (!recorded) emit({ type: "lost-lease", entry });
    usedOwners.add(ownerKey(entry.owner));
    summary.sent += 1;
    emit({ type: "sent", entry, response });
  });
  return { ctx, config, store, opts, me, summary, senders: new Map(), usedOwners, ready: [], lastReclaim: 0, sent, emit };
}
