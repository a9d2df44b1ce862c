import type pg from "pg";
import { MailError } from "../errors.js";
import type { Owner } from "../config/types.js";
import type { QueueBackend, SentRecord } from "./backend.js";
import { pgFailure } from "./pg-failure.js";
import { maskQueueUrl } from "../config/queue-url.js";
import { ENTRY_STATES, ownerKey, type EntryError, type EntryState, type NewEntry, type QueueEntry, type Row, type RunnerId, type StoredAttachment } from "./entry.js";
import { A, T, migrate, newPool, urlPassword, type PgOptions } from "./pg-schema.js";
import { ATTACHMENT_LIST, PgDb } from "./pg-db.js";
import * as claims from "./pg-claims.js";


/**
 * The shared email queue on PostgreSQL (node-postgres). The same states and rules as the
 * SQLite queue; claims take rows with FOR UPDATE SKIP LOCKED, so runners on several hosts
 * never take the same entry and never wait for each other (pg-claims.ts).
 */
export class PgQueue implements QueueBackend {
  readonly kind = "postgres";
  // Each statement is a round trip: accepted sends ride along with the next body mark.
  readonly batchesSent = true;

  private constructor(private readonly d: PgDb) {}

  get where(): string {
    return this.d.where;
  }

  static async open(url: string, o: PgOptions): Promise<PgQueue> {
    const where = maskQueueUrl(url);
    const secrets = [o.password, urlPassword(url)];
    const pool = newPool(url, o);
    const d = new PgDb(pool, where, secrets);
    try {
      await d.tx((c) => migrate(c, where));
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw pgFailure(err, where, secrets);
    }
    return new PgQueue(d);
  }

  async close(): Promise<void> {
    await this.d.pool.end().catch(() => undefined);
  }

  async add(e: NewEntry, now: number): Promise<number> {
    return this.insert(e, now, "queued");
  }

  async addMany(entries: NewEntry[], now: number): Promise<number[]> {
    return this.d.tx(async (c) => {
      const ids: number[] = [];
      for (const e of entries) ids.push(await this.insertWith(c, e, now, "queued"));
      return ids;
    });
  }

  async renameUser(from: string, to: string): Promise<number> {
    const [oldKey, newKey] = [ownerKey({ kind: "user", id: from }), ownerKey({ kind: "user", id: to })];
    return this.d.tx(async (c) => {
      const n = await c.query(`SELECT 1 FROM ${T} WHERE owner = $1 OR acting_user = $2`, [oldKey, from]);
      await c.query(`UPDATE ${T} SET owner = $1 WHERE owner = $2`, [newKey, oldKey]);
      await c.query(`UPDATE ${T} SET acting_user = $1 WHERE acting_user = $2`, [to, from]);
      return n.rowCount ?? 0;
    });
  }

  private async insert(e: NewEntry, now: number, state: EntryState, extra?: Partial<QueueEntry>): Promise<number> {
    return this.d.tx((c) => this.insertWith(c, e, now, state, extra));
  }

  private async insertWith(c: pg.PoolClient, e: NewEntry, now: number, state: EntryState, extra?: Partial<QueueEntry>): Promise<number> {
    const r = await c.query<{ id: number }>(
      `INSERT INTO ${T} (created_at, kind, acting_user, owner, sender_email, message_id, message, route, due_at, state, attempts, last_error, sent_at, response)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (message_id) DO NOTHING RETURNING id`,
      [
        now, e.kind, e.actingUser, ownerKey(e.owner), e.senderEmail, e.messageId, JSON.stringify(e.message), JSON.stringify(e.route), e.dueAt,
        state, extra?.attempts ?? 0, extra?.lastError ? JSON.stringify(extra.lastError) : null, extra?.sentAt ?? null, extra?.response ?? null,
      ],
    );
    const id = r.rows[0]?.id;
    if (id === undefined) {
      if (extra) return 0; // migrate: already there
      throw new MailError("usage", `An entry with Message-ID ${e.messageId} is already queued.`);
    }
    for (const [i, a] of e.attachments.entries()) {
      await c.query(`INSERT INTO ${A} (entry_id, position, filename, content) VALUES ($1, $2, $3, $4)`, [id, i, a.filename, a.content]);
    }
    return id;
  }

  /**
   * Copies an entry from another queue (queue migrate), keeping its state, attempts and
   * history. The Message-ID is the key: 0 when it is already here.
   */
  async importEntry(e: QueueEntry, attachments: StoredAttachment[]): Promise<number> {
    return this.insert(
      { kind: e.kind, actingUser: e.actingUser, owner: e.owner, senderEmail: e.senderEmail, messageId: e.messageId, message: e.message, attachments, route: e.route, dueAt: e.dueAt },
      e.createdAt,
      e.state,
      { attempts: e.attempts, ...(e.lastError ? { lastError: e.lastError } : {}), ...(e.sentAt !== undefined ? { sentAt: e.sentAt } : {}), ...(e.response !== undefined ? { response: e.response } : {}) },
    );
  }

  async hasMessageId(messageId: string): Promise<boolean> {
    return (await this.d.q(`SELECT 1 FROM ${T} WHERE message_id = $1`, [messageId])).rowCount === 1;
  }

  async get(id: number): Promise<QueueEntry | undefined> {
    const r = await this.d.q<Row>(`SELECT e.*, ${ATTACHMENT_LIST} FROM ${T} e WHERE e.id = $1`, [id]);
    return (await this.d.entries(r.rows))[0];
  }

  async list(state?: EntryState): Promise<QueueEntry[]> {
    const r = state
      ? await this.d.q<Row>(`SELECT e.*, ${ATTACHMENT_LIST} FROM ${T} e WHERE e.state = $1 ORDER BY e.id`, [state])
      : await this.d.q<Row>(`SELECT e.*, ${ATTACHMENT_LIST} FROM ${T} e ORDER BY e.id`);
    return this.d.entries(r.rows);
  }

  async counts(): Promise<Record<EntryState, number>> {
    const out = Object.fromEntries(ENTRY_STATES.map((s) => [s, 0])) as Record<EntryState, number>;
    for (const r of (await this.d.q<{ state: EntryState; n: number }>(`SELECT state, count(*) AS n FROM ${T} GROUP BY state`)).rows) out[r.state] = r.n;
    return out;
  }

  async attachmentsOf(id: number): Promise<StoredAttachment[]> {
    return (await this.d.q<StoredAttachment>(`SELECT filename, content FROM ${A} WHERE entry_id = $1 ORDER BY position`, [id])).rows;
  }

  reclaim(me: RunnerId): Promise<QueueEntry[]> {
    return claims.reclaim(this.d, me);
  }

  claim(me: RunnerId, now: number, leaseMs: number, max = 1): Promise<QueueEntry[]> {
    return claims.claim(this.d, me, now, leaseMs, max);
  }

  markBody(me: RunnerId, id: number, now: number, sent: SentRecord[] = []): Promise<{ body: boolean; sent: number[] }> {
    return claims.markBody(this.d, me, id, now, sent);
  }

  markUncertain(me: RunnerId, id: number, error: EntryError): Promise<boolean> {
    return claims.markUncertain(this.d, me, id, error);
  }

  release(me: RunnerId, ids: number[]): Promise<void> {
    return claims.release(this.d, me, ids);
  }

  renewLeases(me: RunnerId, until: number): Promise<number> {
    return claims.renewLeases(this.d, me, until);
  }

  markSent(records: SentRecord[]): Promise<number[]> {
    return claims.markSent(this.d, records);
  }

  markFailed(me: RunnerId, id: number, error: EntryError, retryAt: number | undefined): Promise<boolean> {
    return claims.markFailed(this.d, me, id, error, retryAt);
  }

  async nextDue(): Promise<number | undefined> {
    const r = await this.d.q<{ due: number | null }>(`SELECT min(due_at) AS due FROM ${T} WHERE state = 'queued'`);
    return r.rows[0]?.due ?? undefined;
  }

  async requeue(id: number, now: number, reroute?: { owner: Owner; senderEmail: string; route: Record<string, unknown> }, uncertain = false): Promise<boolean> {
    const states = uncertain ? "('queued', 'failed', 'uncertain')" : "('queued', 'failed')";
    const set = `state = 'queued', due_at = $2, attempts = 0, check_first = CASE WHEN check_first = 1 OR state = 'uncertain' THEN 1 ELSE 0 END`;
    const r = reroute
      ? await this.d.q(`UPDATE ${T} SET ${set}, owner = $3, sender_email = $4, route = $5 WHERE id = $1 AND state IN ${states}`, [
          id,
          now,
          ownerKey(reroute.owner),
          reroute.senderEmail,
          JSON.stringify(reroute.route),
        ])
      : await this.d.q(`UPDATE ${T} SET ${set} WHERE id = $1 AND state IN ${states}`, [id, now]);
    return r.rowCount === 1;
  }

  async remove(id: number): Promise<boolean> {
    return (await this.d.q(`DELETE FROM ${T} WHERE id = $1 AND state != 'sending'`, [id])).rowCount === 1;
  }

  async purge(states: EntryState[]): Promise<number> {
    if (states.length === 0) return 0;
    return (await this.d.q(`DELETE FROM ${T} WHERE state = ANY($1::text[])`, [states])).rowCount ?? 0;
  }
}
