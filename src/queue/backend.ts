import type { EntryError, EntryState, NewEntry, QueueEntry, RunnerId, StoredAttachment } from "./entry.js";
import type { Owner } from "../config/types.js";

type Awaitable<T> = T | Promise<T>;

/** A send the server accepted: the entry, when, and the server's reply. */
export interface SentRecord {
  id: number;
  at: number;
  response: string;
}

/**
 * What the queue commands and the runner need from a queue: the SQLite file (one
 * machine) or PostgreSQL (shared by several). Both keep the same states and fields
 * (design.md 6c); every change of state is one transaction.
 */
export interface QueueBackend {
  /** Where the queue is, for messages: a path, or a URL with its password masked. */
  readonly where: string;
  readonly kind: "sqlite" | "postgres";
  /**
   * Whether a runner holds the sends the server accepted and records them with its next
   * body mark (or a moment later), instead of each at once: true where each statement is
   * a round trip to a server. A held send keeps its body mark, so a runner that dies
   * first leaves it uncertain, never sent again.
   */
  readonly batchesSent: boolean;
  close(): Awaitable<void>;
  add(e: NewEntry, now: number): Awaitable<number>;
  /** All of them in one transaction (queue add --from): every one stored, or none. */
  addMany(entries: NewEntry[], now: number): Awaitable<number[]>;
  /** A user's queued entries follow a new user id (owner and acting user); how many. */
  renameUser(from: string, to: string): Awaitable<number>;
  get(id: number): Awaitable<QueueEntry | undefined>;
  list(state?: EntryState): Awaitable<QueueEntry[]>;
  counts(): Awaitable<Record<EntryState, number>>;
  attachmentsOf(id: number): Awaitable<StoredAttachment[]>;
  reclaim(me: RunnerId, now: number): Awaitable<QueueEntry[]>;
  claim(me: RunnerId, now: number, leaseMs: number, max?: number): Awaitable<QueueEntry[]>;
  /**
   * The "may have reached the server" mark, before the message body and its final "."
   * (only while this runner's lease holds: `body` false when it was taken over); with it,
   * in the same transaction, the sends this runner holds (see batchesSent). Returns
   * whether the mark was made and the ids of the sends recorded.
   */
  markBody(me: RunnerId, id: number, now: number, sent?: SentRecord[]): Awaitable<{ body: boolean; sent: number[] }>;
  markUncertain(me: RunnerId, id: number, error: EntryError): Awaitable<boolean>;
  release(me: RunnerId, ids: number[]): Awaitable<void>;
  renewLeases(me: RunnerId, until: number): Awaitable<number>;
  /**
   * Records sends the server accepted, several in one statement (a runner records them a
   * few at a time: until then each is still `sending` with its body mark, so a runner that
   * dies first leaves it uncertain, never resent). Returns the ids recorded.
   */
  markSent(records: SentRecord[]): Awaitable<number[]>;
  markFailed(me: RunnerId, id: number, error: EntryError, retryAt: number | undefined): Awaitable<boolean>;
  nextDue(): Awaitable<number | undefined>;
  requeue(id: number, now: number, reroute?: { owner: Owner; senderEmail: string; route: Record<string, unknown> }, uncertain?: boolean): Awaitable<boolean>;
  remove(id: number): Awaitable<boolean>;
  purge(states: EntryState[]): Awaitable<number>;
}
