import pg from "pg";
import { MailError } from "../errors.js";
import { queueTables } from "./tables.js";

/** The shared queue's tables on PostgreSQL, created and upgraded by mailcfg itself. */
const SCHEMA_VERSION = 1;
export const T = "mailcfg_queue_entries";
export const A = "mailcfg_queue_attachments";
const V = "mailcfg_queue_schema";

const SCHEMA = queueTables("postgres", T, A);

// A lock id of its own for creating and upgrading the schema (runners may start at once).
const SCHEMA_LOCK = 0x6d61696c;

/** Creates or upgrades the tables, in the caller's transaction; a newer schema is refused, nothing changed. */
export async function migrate(c: pg.ClientBase, where: string): Promise<void> {
  await c.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
  await c.query(`CREATE TABLE IF NOT EXISTS ${V} (version INTEGER NOT NULL)`);
  const version = (await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${V}`)).rows[0]?.v ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new MailError("config", `The shared queue at ${where} was set up by a newer mailcfg (schema ${version}; this one knows ${SCHEMA_VERSION}).`, {
      hint: "Run the queue with that newer mailcfg; nothing was changed.",
    });
  }
  if (version < SCHEMA_VERSION) {
    await c.query(SCHEMA);
    await c.query(`DELETE FROM ${V}`);
    await c.query(`INSERT INTO ${V} (version) VALUES ($1)`, [SCHEMA_VERSION]);
  }
}

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

/** The connection pool; nothing is connected yet. */
export function newPool(url: string, o: PgOptions): pg.Pool {
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
  return pool;
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  if (!u.password) u.password = encodeURIComponent(password);
  return u.toString();
}

/** The URL's own password, so that no message shows it. */
export function urlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
