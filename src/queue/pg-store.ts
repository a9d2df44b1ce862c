import pg from "pg";
import { MailError } from "../errors.js";
import type { Owner } from "../config/types.js";
import type { QueueBackend } from "./backend.js";
import { pgFailure } from "./pg-failure.js";
import { maskQueueUrl } from "../config/queue-url.js";
import {
  ENTRY_STATES,
  isCorruptRow,
  ownerKey,
  processAlive,
  reclaimedState,
  toEntry,
  type EntryError,
  type EntryState,
  type NewEntry,
  type QueueEntry,
  type Row,
  type RunnerId,
  type StoredAttachment,
} from "./store.js";

const SCHEMA_VERSION = 1;
const T = "mailcfg_queue_entries";
const A = "mailcfg_queue_attachments";
const V = "mailcfg_queue_schema";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${T} (
  id BIGSERIAL PRIMARY KEY,
  created_at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  acting_user TEXT,
  owner TEXT NOT NULL,
  sender_email TEXT NOT NULL,
  message_id TEXT NOT NULL UNIQUE,
  message TEXT NOT NULL,
  route TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain', 'corrupt')),
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at BIGINT NOT NULL,
  lease_runner TEXT,
  lease_host TEXT,
  lease_pid INTEGER,
  lease_until BIGINT,
  last_error TEXT,
  sent_at BIGINT,
  response TEXT,
  body_at BIGINT,
  check_first INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ${T}_state_due ON ${T} (state, due_at, id);
CREATE TABLE IF NOT EXISTS ${A} (
  entry_id BIGINT NOT NULL REFERENCES ${T} (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  filename TEXT NOT NULL,
  content BYTEA NOT NULL,
  PRIMARY KEY (entry_id, position)
);`;

// Lease times come from the database's clock, the one clock every host shares.
const DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
const ATTACHMENT_LIST = `(SELECT coalesce(json_agg(json_build_object('filename', a.filename, 'size', octet_length(a.content)) ORDER BY a.position), '[]'::json)::text
  FROM ${A} a WHERE a.entry_id = e.id) AS attachment_list`;
const CLEAR_LEASE = "lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL";
// A lock id of its own for creating and upgrading the schema (runners may start at once).
const SCHEMA_LOCK = 0x6d61696c;

/** int8 (BIGINT, count(*)) as numbers: every value here is well inside 2^53 (milliseconds, ids). */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export interface PgOptions {
  /** When the URL holds none. */
  password?: string;
  timeoutMs: number;
  /** Connections in the pool (a runner uses one per message in flight, plus one). */
  max?: number;
}

/**
 * The shared email queue on PostgreSQL (node-postgres). The same states and rules as the
 * SQLite queue; claims take rows with FOR UPDATE SKIP LOCKED, so runners on several hosts
 * never take the same entry and never wait for each other.
 */
export class PgQueue implements QueueBackend {
  readonly kind = "postgres";

  private constructor(
    private readonly pool: pg.Pool,
    readonly where: string,
    private readonly secrets: ReadonlyArray<string | undefined>,
  ) {}

  static async open(url: string, o: PgOptions): Promise<PgQueue> {
    const where = maskQueueUrl(url);
    const secrets = [o.password, safePassword(url)];
    const pool = new pg.Pool({
      // pg lets the connection string's fields win over separate options: the password goes in it.
      connectionString: o.password ? withPassword(url, o.password) : url,
      connectionTimeoutMillis: o.timeoutMs,
      // A statement that waits longer than the timeout is a server out of reach too.
      query_timeout: Math.max(o.timeoutMs, 5000),
      max: o.max ?? 10,
      idleTimeoutMillis: 10_000,
      application_name: "mailcfg",
      types,
    });
    // An idle connection that drops is replaced by the pool; it must not end the process.
    pool.on("error", () => undefined);
    const q = new PgQueue(pool, where, secrets);
    try {
      await q.migrate();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw pgFailure(err, where, secrets);
    }
    return q;
  }

  private async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
      await c.query(`CREATE TABLE IF NOT EXISTS ${V} (version INTEGER NOT NULL)`);
      const version = (await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${V}`)).rows[0]?.v ?? 0;
      if (version > SCHEMA_VERSION) {
        throw new MailError("config", `The shared queue at ${this.where} was set up by a newer mailcfg (schema ${version}; this one knows ${SCHEMA_VERSION}).`, {
          hint: "Run the queue with that newer mailcfg; nothing was changed.",
        });
      }
      if (version < SCHEMA_VERSION) {
        await c.query(SCHEMA);
        await c.query(`DELETE FROM ${V}`);
        await c.query(`INSERT INTO ${V} (version) VALUES ($1)`, [SCHEMA_VERSION]);
      }
    });
  }

  /** One transaction on one connection; a failure of the server becomes a MailError. */
  private async tx<X>(use: (c: pg.PoolClient) => Promise<X>): Promise<X> {
    const c = await this.connect();
    try {
      await c.query("BEGIN");
      const out = await use(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw this.failure(err);
    } finally {
      c.release();
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw this.failure(err);
    }
  }

  private async q<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw this.failure(err);
    }
  }

  private failure(err: unknown): MailError {
    return pgFailure(err, this.where, this.secrets);
  }

  /** Rows as entries; an unreadable one is set aside as corrupt (in the caller's transaction when given). */
  private async entries(rows: Row[], c?: pg.PoolClient): Promise<QueueEntry[]> {
    const out = rows.map(toEntry);
    for (const [i, e] of out.entries()) {
      if (!isCorruptRow(rows[i]!, e)) continue;
      const sql = `UPDATE ${T} SET state = 'corrupt', last_error = $1, ${CLEAR_LEASE} WHERE id = $2`;
      await (c ? c.query(sql, [JSON.stringify(e.lastError), e.id]) : this.q(sql, [JSON.stringify(e.lastError), e.id]));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  async add(e: NewEntry, now: number): Promise<number> {
    return this.insert(e, now, "queued");
  }

  async addMany(entries: NewEntry[], now: number): Promise<number[]> {
    return this.tx(async (c) => {
      const ids: number[] = [];
      for (const e of entries) ids.push(await this.insertWith(c, e, now, "queued"));
      return ids;
    });
  }

  async renameUser(from: string, to: string): Promise<number> {
    const [oldKey, newKey] = [ownerKey({ kind: "user", id: from }), ownerKey({ kind: "user", id: to })];
    return this.tx(async (c) => {
      const n = await c.query(`SELECT 1 FROM ${T} WHERE owner = $1 OR acting_user = $2`, [oldKey, from]);
      await c.query(`UPDATE ${T} SET owner = $1 WHERE owner = $2`, [newKey, oldKey]);
      await c.query(`UPDATE ${T} SET acting_user = $1 WHERE acting_user = $2`, [to, from]);
      return n.rowCount ?? 0;
    });
  }

  private async insert(e: NewEntry, now: number, state: EntryState, extra?: Partial<QueueEntry>): Promise<number> {
    return this.tx((c) => this.insertWith(c, e, now, state, extra));
  }

  private async insertWith(c: pg.PoolClient, e: NewEntry, now: number, state: EntryState, extra?: Partial<QueueEntry>): Promise<number> {
    {
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
    return (await this.q(`SELECT 1 FROM ${T} WHERE message_id = $1`, [messageId])).rowCount === 1;
  }

  async get(id: number): Promise<QueueEntry | undefined> {
    const r = await this.q<Row>(`SELECT e.*, ${ATTACHMENT_LIST} FROM ${T} e WHERE e.id = $1`, [id]);
    return (await this.entries(r.rows))[0];
  }

  async list(state?: EntryState): Promise<QueueEntry[]> {
    const r = state
      ? await this.q<Row>(`SELECT e.*, ${ATTACHMENT_LIST} FROM ${T} e WHERE e.state = $1 ORDER BY e.id`, [state])
      : await this.q<Row>(`SELECT e.*, ${ATTACHMENT_LIST} FROM ${T} e ORDER BY e.id`);
    return this.entries(r.rows);
  }

  async counts(): Promise<Record<EntryState, number>> {
    const out = Object.fromEntries(ENTRY_STATES.map((s) => [s, 0])) as Record<EntryState, number>;
    for (const r of (await this.q<{ state: EntryState; n: number }>(`SELECT state, count(*) AS n FROM ${T} GROUP BY state`)).rows) out[r.state] = r.n;
    return out;
  }

  async attachmentsOf(id: number): Promise<StoredAttachment[]> {
    return (await this.q<StoredAttachment>(`SELECT filename, content FROM ${A} WHERE entry_id = $1 ORDER BY position`, [id])).rows;
  }

  /**
   * Entries of dead runners: any whose lease ran out (on the database's clock), and at
   * once those of a process on this host that is gone. Before the body: queued again;
   * after it started: uncertain (an expired lease never resends blindly).
   */
  async reclaim(me: RunnerId): Promise<QueueEntry[]> {
    // Found without locks (runners reclaim every second; locking the rows others are
    // sending would stall them), then each taken back by one conditional update.
    const rows = (
      await this.q<Row & { expired: boolean }>(
        `SELECT *, NULL AS attachment_list, lease_until < ${DB_NOW} AS expired FROM ${T}
         WHERE state = 'sending' AND (lease_until < ${DB_NOW} OR lease_host = $1)`,
        [me.host],
      )
    ).rows;
    const dead = rows.filter((r) => r.expired || (r.lease_pid !== null && r.lease_pid !== process.pid && !processAlive(r.lease_pid)));
    const out: QueueEntry[] = [];
    const now = Date.now();
    for (const r of dead) {
      const { state, why } = reclaimedState(r, now);
      // Still that runner's claim, and still dead (a renewed lease means it is alive after all).
      const u = await this.q(
        `UPDATE ${T} SET state = $1, due_at = $2, last_error = $3, body_at = NULL, ${CLEAR_LEASE}
         WHERE id = $4 AND state = 'sending' AND lease_runner = $5 AND (lease_until < ${DB_NOW} OR NOT $6::boolean)`,
        [state, now, JSON.stringify(why), r.id, r.lease_runner, r.expired],
      );
      if (u.rowCount === 1) out.push({ ...toEntry(r), state, lastError: why });
    }
    return out;
  }

  async claim(me: RunnerId, now: number, leaseMs: number, max = 1): Promise<QueueEntry[]> {
    // One statement (its own transaction): SKIP LOCKED passes over rows another runner is claiming.
    const r = await this.q<Row>(
      `UPDATE ${T} e SET state = 'sending', attempts = attempts + 1, body_at = NULL,
         lease_runner = $1, lease_host = $2, lease_pid = $3, lease_until = ${DB_NOW} + $4
       WHERE e.id IN (SELECT id FROM ${T} WHERE state = 'queued' AND due_at <= $5 ORDER BY due_at, id LIMIT $6 FOR UPDATE SKIP LOCKED)
       RETURNING e.*, ${ATTACHMENT_LIST}`,
      [me.id, me.host, me.pid, leaseMs, now, max],
    );
    // A row that cannot be read is set aside at once, so it is not left claimed.
    const got = await this.entries(r.rows);
    return got.filter((e) => e.state === "sending").sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
  }

  async markBody(me: RunnerId, id: number, now: number): Promise<boolean> {
    // Only while this runner's lease holds: one that was taken for dead must not hand the message over.
    const r = await this.q(`UPDATE ${T} SET body_at = $1 WHERE id = $2 AND state = 'sending' AND lease_runner = $3 AND lease_until >= ${DB_NOW}`, [now, id, me.id]);
    return r.rowCount === 1;
  }

  async markUncertain(me: RunnerId, id: number, error: EntryError): Promise<boolean> {
    const r = await this.q(`UPDATE ${T} SET state = 'uncertain', last_error = $1, body_at = NULL, ${CLEAR_LEASE} WHERE id = $2 AND state = 'sending' AND lease_runner = $3`, [
      JSON.stringify({ ...error, transient: false, maybeDelivered: true }),
      id,
      me.id,
    ]);
    return r.rowCount === 1;
  }

  async release(me: RunnerId, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.q(
      `UPDATE ${T} SET state = 'queued', attempts = greatest(0, attempts - 1), body_at = NULL, ${CLEAR_LEASE}
       WHERE id = ANY($1::bigint[]) AND state = 'sending' AND lease_runner = $2`,
      [ids, me.id],
    );
  }

  async renewLeases(me: RunnerId, until: number): Promise<number> {
    const r = await this.q(`UPDATE ${T} SET lease_until = ${DB_NOW} + $1 WHERE state = 'sending' AND lease_runner = $2`, [Math.max(0, until - Date.now()), me.id]);
    return r.rowCount ?? 0;
  }

  async markSent(id: number, now: number, response: string): Promise<boolean> {
    const r = await this.q(
      `UPDATE ${T} SET state = 'sent', sent_at = $1, response = $2, last_error = NULL, body_at = NULL, check_first = 0, ${CLEAR_LEASE}
       WHERE id = $3 AND state IN ('sending', 'queued', 'uncertain')`,
      [now, response, id],
    );
    return r.rowCount === 1;
  }

  async markFailed(me: RunnerId, id: number, error: EntryError, retryAt: number | undefined): Promise<boolean> {
    const r = await this.q(
      `UPDATE ${T} SET state = $1, due_at = coalesce($2, due_at), last_error = $3, body_at = NULL, ${CLEAR_LEASE}
       WHERE id = $4 AND state = 'sending' AND lease_runner = $5`,
      [retryAt === undefined ? "failed" : "queued", retryAt ?? null, JSON.stringify(error), id, me.id],
    );
    return r.rowCount === 1;
  }

  async nextDue(): Promise<number | undefined> {
    const r = await this.q<{ due: number | null }>(`SELECT min(due_at) AS due FROM ${T} WHERE state = 'queued'`);
    return r.rows[0]?.due ?? undefined;
  }

  async requeue(id: number, now: number, reroute?: { owner: Owner; senderEmail: string; route: Record<string, unknown> }, uncertain = false): Promise<boolean> {
    const states = uncertain ? "('queued', 'failed', 'uncertain')" : "('queued', 'failed')";
    const set = `state = 'queued', due_at = $2, attempts = 0, check_first = CASE WHEN check_first = 1 OR state = 'uncertain' THEN 1 ELSE 0 END`;
    const r = reroute
      ? await this.q(`UPDATE ${T} SET ${set}, owner = $3, sender_email = $4, route = $5 WHERE id = $1 AND state IN ${states}`, [
          id,
          now,
          ownerKey(reroute.owner),
          reroute.senderEmail,
          JSON.stringify(reroute.route),
        ])
      : await this.q(`UPDATE ${T} SET ${set} WHERE id = $1 AND state IN ${states}`, [id, now]);
    return r.rowCount === 1;
  }

  async remove(id: number): Promise<boolean> {
    return (await this.q(`DELETE FROM ${T} WHERE id = $1 AND state != 'sending'`, [id])).rowCount === 1;
  }

  async purge(states: EntryState[]): Promise<number> {
    if (states.length === 0) return 0;
    return (await this.q(`DELETE FROM ${T} WHERE state = ANY($1::text[])`, [states])).rowCount ?? 0;
  }
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  if (!u.password) u.password = encodeURIComponent(password);
  return u.toString();
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
