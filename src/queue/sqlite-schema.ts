import type BetterSqlite3 from "better-sqlite3";
import { MailError } from "../errors.js";
import { entriesTable, queueTables } from "./tables.js";

/** The SQLite queue's tables, and how a file of an older mailcfg is brought up to them. */
const SCHEMA_VERSION = 2;

const SCHEMA = queueTables("sqlite", "entries", "attachments");

/**
 * Opens the file (better-sqlite3 is loaded only now), creating or upgrading its tables;
 * a file of a newer mailcfg is refused, one that cannot be opened left as it is.
 */
export async function openQueueDb(path: string, durable: boolean): Promise<BetterSqlite3.Database> {
  const { default: Database } = await import("better-sqlite3");
  try {
    const db = new Database(path, { timeout: 10_000 });
    db.pragma("journal_mode = WAL");
    // FULL: a queued message survives a power cut. The runner uses NORMAL: a state change
    // lost to a power cut only means a resend, recognisable by the fixed Message-ID.
    db.pragma(`synchronous = ${durable ? "FULL" : "NORMAL"}`);
    db.pragma("foreign_keys = ON");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new MailError("config", `The queue ${path} was written by a newer mailcfg (schema ${version}).`, {
        hint: "Use that newer mailcfg to run the queue.",
      });
    }
    if (version === 1) migrateFrom1(db);
    db.exec(SCHEMA);
    if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (err) {
    if (err instanceof MailError) throw err;
    throw new MailError("config", `The queue ${path} cannot be opened: ${err instanceof Error ? err.message : String(err)}`, {
      hint: `mailcfg leaves it as it is. Move it away (mv ${path} ${path}.bad) to start an empty queue.`,
      cause: err,
    });
  }
}

/**
 * Schema 1 to 2: the states uncertain and corrupt, and body_at / check_first. SQLite
 * cannot change a CHECK constraint in place: the table is copied (SQLite's documented
 * way), in one transaction, so a crash leaves schema 1 intact.
 */
function migrateFrom1(db: BetterSqlite3.Database): void {
  db.pragma("foreign_keys = OFF");
  db.transaction(() => {
    db.exec(entriesTable("sqlite", "entries_v2"));
    db.exec(`INSERT INTO entries_v2 SELECT *, NULL, 0 FROM entries`);
    db.exec("DROP TABLE entries");
    db.exec("ALTER TABLE entries_v2 RENAME TO entries");
    db.pragma(`user_version = 2`);
  }).immediate();
  db.pragma("foreign_keys = ON");
}
