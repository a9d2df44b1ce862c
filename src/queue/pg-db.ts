import type pg from "pg";
import type { MailError } from "../errors.js";
import { isCorruptRow, toEntry, type QueueEntry, type Row } from "./entry.js";
import { pgFailure } from "./pg-failure.js";
import { A, T } from "./pg-schema.js";

// Lease times come from the database's clock, the one clock every host shares.
export const DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
export const ATTACHMENT_LIST = `(SELECT coalesce(json_agg(json_build_object('filename', a.filename, 'size', octet_length(a.content)) ORDER BY a.position), '[]'::json)::text
  FROM ${A} a WHERE a.entry_id = e.id) AS attachment_list`;
export const CLEAR_LEASE = "lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL";

/**
 * PostgreSQL ends one of two transactions that wait on each other (deadlock_detected), and
 * may refuse one that ran into another's changes (serialization_failure); either was rolled
 * back whole, so running it again is safe. Runners' statements touch rows in no fixed order
 * (a heartbeat renews all of a runner's leases while its workers mark single entries), so
 * this happens under load, rarely; a few tries settle it.
 */
const RETRY_CODES = new Set(["40P01", "40001"]);
const TRIES = 4;

async function retried<X>(run: () => Promise<X>): Promise<X> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= TRIES || typeof code !== "string" || !RETRY_CODES.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

/** A statement the runner runs for every message: prepared once per connection, by name. */
export interface Named {
  name: string;
  text: string;
}

/**
 * The shared queue's connections: one statement, or one transaction on one connection;
 * a failure of the server becomes a MailError that never shows the password.
 */
export class PgDb {
  constructor(
    readonly pool: pg.Pool,
    readonly where: string,
    private readonly secrets: ReadonlyArray<string | undefined>,
  ) {}

  async tx<X>(use: (c: pg.PoolClient) => Promise<X>): Promise<X> {
    try {
      return await retried(() => this.once(use));
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** One try of a transaction; its error as the server gave it. */
  private async once<X>(use: (c: pg.PoolClient) => Promise<X>): Promise<X> {
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      const out = await use(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async q<R extends pg.QueryResultRow>(sql: string | Named, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await retried(() => this.pool.query<R>(typeof sql === "string" ? { text: sql, values } : { ...sql, values }));
    } catch (err) {
      throw this.failure(err);
    }
  }

  failure(err: unknown): MailError {
    return pgFailure(err, this.where, this.secrets);
  }

  /** Rows as entries; an unreadable one is set aside as corrupt (in the caller's transaction when given). */
  async entries(rows: Row[], c?: pg.PoolClient): Promise<QueueEntry[]> {
    const out = rows.map(toEntry);
    for (const [i, e] of out.entries()) {
      if (!isCorruptRow(rows[i]!, e)) continue;
      const sql = `UPDATE ${T} SET state = 'corrupt', last_error = $1, ${CLEAR_LEASE} WHERE id = $2`;
      await (c ? c.query(sql, [JSON.stringify(e.lastError), e.id]) : this.q(sql, [JSON.stringify(e.lastError), e.id]));
    }
    return out;
  }
}
