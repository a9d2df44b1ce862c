import type { QueueBackend, SentRecord } from "./backend.js";
import type { QueueEntry } from "./entry.js";

export type Held = SentRecord & { entry: QueueEntry };

/**
 * Sends the server accepted, and their recording. Where each statement is a round trip
 * (store.batchesSent), a worker holds its send and records it with its own next body
 * mark, in the same statement (`take`, then `settle`), or when it runs out of work: one
 * statement per message instead of two. A held send keeps its body mark and its lease
 * (the heartbeat renews it), so a runner that dies before recording it leaves the entry
 * uncertain, never sent again; and as the record and the next mark are one statement, a
 * worker has at most one such entry at any moment, as when each send was recorded at once.
 */
export class SentLog {
  /** Each worker's held sends. */
  private readonly slots = new Set<Held[]>();

  constructor(
    private readonly store: QueueBackend,
    private readonly recorded: (entry: QueueEntry, response: string, recorded: boolean) => void,
  ) {}

  /** A worker's place for the sends it holds. */
  slot(): Held[] {
    const slot: Held[] = [];
    this.slots.add(slot);
    return slot;
  }

  /** Notes a send: recorded now, or held in the worker's slot (a failure to record it is the caller's). */
  async add(slot: Held[], entry: QueueEntry, response: string): Promise<void> {
    slot.push({ entry, id: entry.id, at: Date.now(), response });
    if (!this.store.batchesSent) await this.flush(slot);
  }

  /** The worker's held sends, for a statement that records them along with its own change. */
  take(slot: Held[]): Held[] {
    return slot.splice(0);
  }

  /** After that statement: `ids` were recorded; or, when it failed (ids undefined), held again. */
  settle(slot: Held[], batch: Held[], ids: number[] | undefined): void {
    if (!ids) {
      slot.unshift(...batch);
      return;
    }
    const done = new Set(ids);
    for (const s of batch) this.recorded(s.entry, s.response, done.has(s.id));
  }

  /** Records what a worker holds (every worker's when no slot is given), in one statement. */
  async flush(slot?: Held[]): Promise<void> {
    for (const s of slot ? [slot] : this.slots) {
      const batch = this.take(s);
      if (batch.length === 0) continue;
      let ids: number[] | undefined;
      try {
        ids = await this.store.markSent(batch.map(({ id, at, response }) => ({ id, at, response })));
      } finally {
        this.settle(s, batch, ids);
      }
    }
  }
}
