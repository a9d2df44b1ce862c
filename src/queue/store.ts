import { prepareQueueFile, type Note } from "../config/files.js";
import type { Owner } from "../config/types.js";
import type { QueueBackend, SentRecord } from "./backend.js";
import { ownerKey, type EntryError, type EntryState, type NewEntry, type QueueEntry, type Row, type RunnerId, type StoredAttachment } from "./entry.js";
import { openQueueDb } from "./sqlite-schema.js";
import { ATTACHMENT_LIST, SqliteDb } from "./sqlite-db.js";
import * as claims from "./sqlite-claims.js";

// What a queue entry is lives in entry.ts; the commands read it from here, with the store.

/**
 * The email queue: one SQLite file (better-sqlite3, WAL) beside the config. Every change
 * of state is one transaction, so a process killed at any moment leaves each entry
 * queued, being sent (and reclaimable), sent, or failed: never lost. The runner's
 * statements (claims, leases, outcomes) are in sqlite-claims.ts.
 */
export class QueueStore implements QueueBackend {
  readonly kind = "sqlite";
  // A statement costs no round trip here: each send is recorded at once.
  readonly batchesSent = false;

  private constructor(
    private readonly d: SqliteDb,
    readonly path: string,
  ) {}

  get where(): string {
    return this.path;
  }

  /** Opens (creating if needed) the queue in a folder; better-sqlite3 is loaded only now. */
  static async open(dir: string, opts: { durable?: boolean; note?: Note } = {}): Promise<QueueStore> {
    // Created 0600 before SQLite opens it (messages are private; -wal and -shm follow its
    // mode); a link, folder or FIFO in its place is refused.
    const path = prepareQueueFile(dir, opts.note);
    return new QueueStore(new SqliteDb(await openQueueDb(path, opts.durable !== false)), path);
  }

  close(): void {
    this.d.db.close();
  }

  add(e: NewEntry, now: number): number {
    const insert = this.d.sql(
      `INSERT INTO entries (created_at, kind, acting_user, owner, sender_email, message_id, message, route, due_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const attach = this.d.sql("INSERT INTO attachments (entry_id, position, filename, content) VALUES (?, ?, ?, ?)");
    return this.d.db.transaction(() => {
      const id = Number(
        insert.run(now, e.kind, e.actingUser, ownerKey(e.owner), e.senderEmail, e.messageId, JSON.stringify(e.message), JSON.stringify(e.route), e.dueAt)
          .lastInsertRowid,
      );
      e.attachments.forEach((a, i) => attach.run(id, i, a.filename, a.content));
      return id;
    })();
  }

  /** Adds many entries in one transaction: all of them are stored, or none. */
  addMany(entries: NewEntry[], now: number): number[] {
    return this.d.db.transaction(() => entries.map((e) => this.add(e, now)))();
  }

  get(id: number): QueueEntry | undefined {
    const r = this.d.sql(`SELECT *, ${ATTACHMENT_LIST} FROM entries WHERE id = ?`).get(id) as Row | undefined;
    return r ? this.d.entries([r])[0] : undefined;
  }

  list(state?: EntryState): QueueEntry[] {
    const rows = (
      state
        ? this.d.sql(`SELECT *, ${ATTACHMENT_LIST} FROM entries WHERE state = ? ORDER BY id`).all(state)
        : this.d.sql(`SELECT *, ${ATTACHMENT_LIST} FROM entries ORDER BY id`).all()
    ) as Row[];
    return this.d.entries(rows);
  }

  counts(): Record<EntryState, number> {
    const out: Record<EntryState, number> = { queued: 0, sending: 0, sent: 0, failed: 0, uncertain: 0, corrupt: 0 };
    for (const r of this.d.sql("SELECT state, count(*) AS n FROM entries GROUP BY state").all() as Array<{ state: EntryState; n: number }>) {
      out[r.state] = r.n;
    }
    return out;
  }

  attachmentsOf(id: number): StoredAttachment[] {
    return this.d.sql("SELECT filename, content FROM attachments WHERE entry_id = ? ORDER BY position").all(id) as StoredAttachment[];
  }

  reclaim(me: RunnerId, now: number): QueueEntry[] {
    return claims.reclaim(this.d, me, now);
  }

  claim(me: RunnerId, now: number, leaseMs: number, max = 1): QueueEntry[] {
    return claims.claim(this.d, me, now, leaseMs, max);
  }

  markBody(me: RunnerId, id: number, now: number, sent: SentRecord[] = []): { body: boolean; sent: number[] } {
    return claims.markBody(this.d, me, id, now, sent);
  }

  markUncertain(me: RunnerId, id: number, error: EntryError): boolean {
    return claims.markUncertain(this.d, me, id, error);
  }

  release(me: RunnerId, ids: number[]): void {
    claims.release(this.d, me, ids);
  }

  renewLeases(me: RunnerId, until: number): number {
    return claims.renewLeases(this.d, me, until);
  }

  markSent(records: SentRecord[]): number[] {
    return claims.markSent(this.d, records);
  }

  markFailed(me: RunnerId, id: number, error: EntryError, retryAt: number | undefined): boolean {
    return claims.markFailed(this.d, me, id, error, retryAt);
  }

  /** When the next queued entry is due, if any is queued. */
  nextDue(): number | undefined {
    const r = this.d.sql("SELECT min(due_at) AS due FROM entries WHERE state = 'queued'").get() as { due: number | null };
    return r.due ?? undefined;
  }

  /**
   * Puts an entry back in the queue, due now, with its attempts reset; optionally
   * re-routed. An uncertain entry is put back only when asked (`uncertain`), and then
   * marked so an HTTP sender looks for it in the mailbox before sending it again.
   */
  requeue(id: number, now: number, reroute?: { owner: Owner; senderEmail: string; route: Record<string, unknown> }, uncertain = false): boolean {
    const states = uncertain ? "('queued', 'failed', 'uncertain')" : "('queued', 'failed')";
    const check = "check_first = (check_first OR state = 'uncertain')";
    const sql = reroute
      ? `UPDATE entries SET state = 'queued', due_at = @now, attempts = 0, ${check}, owner = @owner, sender_email = @email, route = @route
         WHERE id = @id AND state IN ${states}`
      : `UPDATE entries SET state = 'queued', due_at = @now, attempts = 0, ${check} WHERE id = @id AND state IN ${states}`;
    const params: Record<string, unknown> = { id, now };
    if (reroute) Object.assign(params, { owner: ownerKey(reroute.owner), email: reroute.senderEmail, route: JSON.stringify(reroute.route) });
    return this.d.sql(sql).run(params).changes === 1;
  }

  /**
   * A renamed user keeps their queued entries: the sender (owner) and the acting user
   * move to the new id, in one transaction. Returns how many entries changed.
   */
  renameUser(from: string, to: string): number {
    const [oldKey, newKey] = [ownerKey({ kind: "user", id: from }), ownerKey({ kind: "user", id: to })];
    return this.d.db.transaction(() => {
      const { n } = this.d.sql("SELECT count(*) AS n FROM entries WHERE owner = ? OR acting_user = ?").get(oldKey, from) as { n: number };
      this.d.sql("UPDATE entries SET owner = ? WHERE owner = ?").run(newKey, oldKey);
      this.d.sql("UPDATE entries SET acting_user = ? WHERE acting_user = ?").run(to, from);
      return n;
    })();
  }

  remove(id: number): boolean {
    return this.d.sql("DELETE FROM entries WHERE id = ? AND state != 'sending'").run(id).changes === 1;
  }

  purge(states: EntryState[]): number {
    if (states.length === 0) return 0;
    return this.d.sql(`DELETE FROM entries WHERE state IN (${states.map(() => "?").join(", ")})`).run(...states).changes;
  }
}
