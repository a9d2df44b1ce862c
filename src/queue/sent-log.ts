import type { QueueBackend } from "./backend.js";
import type { QueueEntry } from "./entry.js";

/** After this long a lone accepted send is recorded anyway (a slow server, a run winding down). */
const MAX_WAIT_MS = 200;

/**
 * Sends the server accepted, recorded a few at a time (one statement for as many as there
 * are workers) instead of one round trip each. Until its record is written an entry stays
 * `sending` with its body mark and its lease, renewed by the heartbeat: a runner that
 * dies before writing it leaves the entry uncertain, never sent again.
 */
export class SentLog {
  private pending: Array<{ entry: QueueEntry; response: string; at: number }> = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** A write started by the timer failed: the next add or flush throws it. */
  private failed: { error: unknown } | undefined;

  constructor(
    private readonly store: QueueBackend,
    private readonly batch: number,
    private readonly recorded: (entry: QueueEntry, response: string, recorded: boolean) => void,
  ) {}

  /** Notes a send; writes the batch when it is full (a failure to write is the caller's). */
  async add(entry: QueueEntry, response: string): Promise<void> {
    this.rethrow();
    this.pending.push({ entry, response, at: Date.now() });
    if (this.pending.length >= this.batch) return this.flush();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => (this.failed ??= { error }));
    }, MAX_WAIT_MS);
  }

  /** Writes everything noted so far, after any write under way. */
  async flush(): Promise<void> {
    this.rethrow();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    const write = this.writing.then(async () => {
      if (batch.length === 0) return;
      const ids = new Set(await this.store.markSent(batch.map((s) => ({ id: s.entry.id, at: s.at, response: s.response }))));
      for (const s of batch) this.recorded(s.entry, s.response, ids.has(s.entry.id));
    });
    // One write at a time, in order; a failed one does not stop the next from trying.
    this.writing = write.catch(() => undefined);
    return write;
  }

  private rethrow(): void {
    const failed = this.failed;
    this.failed = undefined;
    if (failed) throw failed.error;
  }
}
