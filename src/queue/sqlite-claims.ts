import type { SentRecord } from "./backend.js";
import { toEntry, type EntryError, type QueueEntry, type Row, type RunnerId } from "./entry.js";
import { holderGone, reclaimedState } from "./lease.js";
import { ATTACHMENT_LIST, CLEAR_LEASE, type SqliteDb } from "./sqlite-db.js";

/**
 * The runner's side of the SQLite queue: claims, leases and the outcome of each send.
 * Every change of state is one transaction, so a process killed at any moment leaves
 * each entry queued, being sent (and reclaimable), sent, or failed: never lost.
 */

/**
 * Hands entries of dead runners back to the queue: at once when the runner was on
 * this host and its process is gone, otherwise when its lease has expired.
 */
export function reclaim(d: SqliteDb, me: RunnerId, now: number): QueueEntry[] {
  const candidates = d
    .sql(`SELECT *, NULL AS attachment_list FROM entries WHERE state = 'sending' AND (lease_until < ? OR lease_host = ?)`)
    .all(now, me.host) as Row[];
  const dead = candidates.filter((r) => holderGone(r, (r.lease_until ?? 0) < now));
  if (dead.length === 0) return [];
  const release = d.sql(
    `UPDATE entries SET state = ?, due_at = ?, last_error = ?, body_at = NULL, ${CLEAR_LEASE}
     WHERE id = ? AND state = 'sending' AND lease_runner = ?`,
  );
  const out: QueueEntry[] = [];
  d.db.transaction(() => {
    for (const r of dead) {
      const reclaimed = reclaimedState(r, now);
      if (release.run(reclaimed.state, now, JSON.stringify(reclaimed.why), r.id, r.lease_runner).changes === 1) {
        out.push({ ...toEntry(r), state: reclaimed.state, lastError: reclaimed.why });
      }
    }
  }).immediate();
  return out;
}

/**
 * Claims up to `max` due entries for this runner, in one transaction. A row that
 * cannot be read is set aside as corrupt in that same transaction, so it neither
 * stops the others nor stays claimed.
 */
export function claim(d: SqliteDb, me: RunnerId, now: number, leaseMs: number, max = 1): QueueEntry[] {
  const st = d.sql(
    `UPDATE entries SET state = 'sending', attempts = attempts + 1, body_at = NULL,
       lease_runner = @runner, lease_host = @host, lease_pid = @pid, lease_until = @until
     WHERE id IN (SELECT id FROM entries WHERE state = 'queued' AND due_at <= @now ORDER BY due_at, id LIMIT @max)
       AND state = 'queued'
     RETURNING *, ${ATTACHMENT_LIST}`,
  );
  return d.db
    .transaction(() => d.entries(st.all({ runner: me.id, host: me.host, pid: me.pid, until: now + leaseMs, now, max }) as Row[]))
    .immediate()
    .filter((e) => e.state === "sending")
    .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
}

/**
 * Recorded before the message body (and its final ".") is written: if this runner
 * dies from now on, the entry becomes uncertain instead of being sent again.
 */
export function markBody(d: SqliteDb, me: RunnerId, id: number, now: number, sent: SentRecord[] = []): { body: boolean; sent: number[] } {
  const st = d.sql("UPDATE entries SET body_at = @now WHERE id = @id AND state = 'sending' AND lease_runner = @runner AND lease_until >= @now");
  const mark = () => st.run({ now, id, runner: me.id }).changes === 1;
  // A runner here records each send at once (batchesSent false): mostly nothing rides along.
  if (sent.length === 0) return { body: mark(), sent: [] };
  return d.db.transaction(() => ({ sent: markSent(d, sent), body: mark() }))();
}

/** The message may have been delivered: set aside until someone decides (queue retry). */
export function markUncertain(d: SqliteDb, me: RunnerId, id: number, error: EntryError): boolean {
  const st = d.sql(`UPDATE entries SET state = 'uncertain', last_error = ?, body_at = NULL, ${CLEAR_LEASE} WHERE id = ? AND state = 'sending' AND lease_runner = ?`);
  return st.run(JSON.stringify({ ...error, transient: false, maybeDelivered: true }), id, me.id).changes === 1;
}

/** Hands back entries this runner claimed but did not start (a stop between claim and send). */
export function release(d: SqliteDb, me: RunnerId, ids: number[]): void {
  const st = d.sql(
    `UPDATE entries SET state = 'queued', attempts = max(0, attempts - 1), body_at = NULL, ${CLEAR_LEASE}
     WHERE id = ? AND state = 'sending' AND lease_runner = ?`,
  );
  d.db.transaction(() => {
    for (const id of ids) st.run(id, me.id);
  })();
}

/** Keeps this runner's leases alive while it sends. */
export function renewLeases(d: SqliteDb, me: RunnerId, until: number): number {
  return d.sql("UPDATE entries SET lease_until = ? WHERE state = 'sending' AND lease_runner = ?").run(until, me.id).changes;
}

/**
 * Records sends the server accepted, in one transaction. Whoever holds the lease, this
 * is the truth, and recording it keeps a reclaimed copy from being sent again.
 */
export function markSent(d: SqliteDb, records: SentRecord[]): number[] {
  const st = d.sql(
    `UPDATE entries SET state = 'sent', sent_at = ?, response = ?, last_error = NULL, body_at = NULL, check_first = 0, ${CLEAR_LEASE}
     WHERE id = ? AND state IN ('sending', 'queued', 'uncertain')`,
  );
  const record = () => records.filter((r) => st.run(r.at, r.response, r.id).changes === 1).map((r) => r.id);
  // One statement is a transaction of its own.
  return records.length === 1 ? record() : d.db.transaction(record)();
}

/** Records a failure: back to the queue at `retryAt`, or failed for good when retryAt is undefined. */
export function markFailed(d: SqliteDb, me: RunnerId, id: number, error: EntryError, retryAt: number | undefined): boolean {
  const st = d.sql(
    `UPDATE entries SET state = ?, due_at = coalesce(?, due_at), last_error = ?, body_at = NULL, ${CLEAR_LEASE}
     WHERE id = ? AND state = 'sending' AND lease_runner = ?`,
  );
  return st.run(retryAt === undefined ? "failed" : "queued", retryAt ?? null, JSON.stringify(error), id, me.id).changes === 1;
}
