import type { SentRecord } from "./backend.js";
import { toEntry, type EntryError, type QueueEntry, type Row, type RunnerId } from "./entry.js";
import { holderGone, reclaimedState } from "./lease.js";
import { ATTACHMENT_LIST, CLEAR_LEASE, DB_NOW, type Named, type PgDb } from "./pg-db.js";
import { T } from "./pg-schema.js";

/**
 * The runner's side of the shared queue: claims, leases and the outcome of each send.
 * The statements a runner runs for every message are named, so each connection parses
 * and plans them once.
 */
// Whoever holds the lease, the server's acceptance is the truth (a reclaimed copy is not sent again).
const SENT = `UPDATE ${T} e SET state = 'sent', sent_at = s.at, response = s.response, last_error = NULL, body_at = NULL, check_first = 0, ${CLEAR_LEASE}
  FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS s(id, at, response)
  WHERE e.id = s.id AND e.state IN ('sending', 'queued', 'uncertain')
  RETURNING e.id`;

const SQL = {
  dead: {
    name: "mailcfg_dead",
    text: `SELECT *, NULL AS attachment_list, lease_until < ${DB_NOW} AS expired FROM ${T}
           WHERE state = 'sending' AND (lease_until < ${DB_NOW} OR lease_host = $1)`,
  },
  // Still that runner's claim, and still dead (a renewed lease means it is alive after all).
  takeBack: {
    name: "mailcfg_take_back",
    text: `UPDATE ${T} SET state = $1, due_at = $2, last_error = $3, body_at = NULL, ${CLEAR_LEASE}
           WHERE id = $4 AND state = 'sending' AND lease_runner = $5 AND (lease_until < ${DB_NOW} OR NOT $6::boolean)`,
  },
  // One statement (its own transaction): SKIP LOCKED passes over rows another runner is claiming.
  claim: {
    name: "mailcfg_claim",
    text: `UPDATE ${T} e SET state = 'sending', attempts = attempts + 1, body_at = NULL,
             lease_runner = $1, lease_host = $2, lease_pid = $3, lease_until = ${DB_NOW} + $4
           WHERE e.id IN (SELECT id FROM ${T} WHERE state = 'queued' AND due_at <= $5 ORDER BY due_at, id LIMIT $6 FOR UPDATE SKIP LOCKED)
           RETURNING e.*, ${ATTACHMENT_LIST}`,
  },
  // Only while this runner's lease holds: one that was taken for dead must not hand the
  // message over. The sends the runner held ride along, in the same statement.
  body: {
    name: "mailcfg_body",
    text: `WITH sent AS (${SENT.replace(/\$(\d)/g, (_, n: string) => `$${Number(n) + 3}`)}),
           body AS (UPDATE ${T} SET body_at = $1 WHERE id = $2 AND state = 'sending' AND lease_runner = $3 AND lease_until >= ${DB_NOW} RETURNING id)
           SELECT EXISTS (SELECT 1 FROM body) AS body, ARRAY(SELECT id FROM sent) AS sent`,
  },
  sent: { name: "mailcfg_sent", text: SENT },
  failed: {
    name: "mailcfg_failed",
    text: `UPDATE ${T} SET state = $1, due_at = coalesce($2, due_at), last_error = $3, body_at = NULL, ${CLEAR_LEASE}
           WHERE id = $4 AND state = 'sending' AND lease_runner = $5`,
  },
  uncertain: {
    name: "mailcfg_uncertain",
    text: `UPDATE ${T} SET state = 'uncertain', last_error = $1, body_at = NULL, ${CLEAR_LEASE} WHERE id = $2 AND state = 'sending' AND lease_runner = $3`,
  },
  renew: {
    name: "mailcfg_renew",
    text: `UPDATE ${T} SET lease_until = ${DB_NOW} + $1 WHERE state = 'sending' AND lease_runner = $2`,
  },
} satisfies Record<string, Named>;

/**
 * Entries of dead runners: any whose lease ran out (on the database's clock), and at
 * once those of a process on this host that is gone. Before the body: queued again;
 * after it started: uncertain (an expired lease never resends blindly).
 */
export async function reclaim(d: PgDb, me: RunnerId): Promise<QueueEntry[]> {
  // Found without locks (runners reclaim every second; locking the rows others are
  // sending would stall them), then each taken back by one conditional update.
  const rows = (await d.q<Row & { expired: boolean }>(SQL.dead, [me.host])).rows;
  const out: QueueEntry[] = [];
  const now = Date.now();
  for (const r of rows.filter((r) => holderGone(r, r.expired))) {
    const { state, why } = reclaimedState(r, now);
    const u = await d.q(SQL.takeBack, [state, now, JSON.stringify(why), r.id, r.lease_runner, r.expired]);
    if (u.rowCount === 1) out.push({ ...toEntry(r), state, lastError: why });
  }
  return out;
}

export async function claim(d: PgDb, me: RunnerId, now: number, leaseMs: number, max = 1): Promise<QueueEntry[]> {
  const r = await d.q<Row>(SQL.claim, [me.id, me.host, me.pid, leaseMs, now, max]);
  // A row that cannot be read is set aside at once, so it is not left claimed.
  const got = await d.entries(r.rows);
  return got.filter((e) => e.state === "sending").sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
}

export async function markBody(d: PgDb, me: RunnerId, id: number, now: number, sent: SentRecord[] = []): Promise<{ body: boolean; sent: number[] }> {
  const r = await d.q<{ body: boolean; sent: unknown[] }>(SQL.body, [now, id, me.id, ...sentColumns(sent)]);
  const row = r.rows[0]!;
  // An array of bigints reads as texts.
  return { body: row.body, sent: row.sent.map(Number) };
}

/** The records as the three arrays the statements unnest. */
function sentColumns(records: SentRecord[]): [number[], number[], string[]] {
  return [records.map((s) => s.id), records.map((s) => s.at), records.map((s) => s.response)];
}

export async function markUncertain(d: PgDb, me: RunnerId, id: number, error: EntryError): Promise<boolean> {
  const r = await d.q(SQL.uncertain, [JSON.stringify({ ...error, transient: false, maybeDelivered: true }), id, me.id]);
  return r.rowCount === 1;
}

export async function release(d: PgDb, me: RunnerId, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await d.q(
    `UPDATE ${T} SET state = 'queued', attempts = greatest(0, attempts - 1), body_at = NULL, ${CLEAR_LEASE}
     WHERE id = ANY($1::bigint[]) AND state = 'sending' AND lease_runner = $2`,
    [ids, me.id],
  );
}

/** All of this runner's leases in one statement. */
export async function renewLeases(d: PgDb, me: RunnerId, until: number): Promise<number> {
  return (await d.q(SQL.renew, [Math.max(0, until - Date.now()), me.id])).rowCount ?? 0;
}

/** Several sends in one statement. */
export async function markSent(d: PgDb, records: SentRecord[]): Promise<number[]> {
  if (records.length === 0) return [];
  const r = await d.q<{ id: number }>(SQL.sent, sentColumns(records));
  return r.rows.map((row) => row.id);
}

export async function markFailed(d: PgDb, me: RunnerId, id: number, error: EntryError, retryAt: number | undefined): Promise<boolean> {
  const r = await d.q(SQL.failed, [retryAt === undefined ? "failed" : "queued", retryAt ?? null, JSON.stringify(error), id, me.id]);
  return r.rowCount === 1;
}
