import type BetterSqlite3 from "better-sqlite3";
import { MailError } from "../errors.js";

/** The SQLite queue's tables, and how a file of an older mailcfg is brought up to them. */
const SCHEMA_VERSION = 2;

const ENTRIES_TABLE = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  acting_user TEXT,
  owner TEXT NOT NULL,
  sender_email TEXT NOT NULL,
  message_id TEXT NOT NULL UNIQUE,
  message TEXT NOT NULL,
  route TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain', 'corrupt')),
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL,
  lease_runner TEXT,
  lease_host TEXT,
  lease_pid INTEGER,
  lease_until INTEGER,
  last_error TEXT,
  sent_at INTEGER,
  response TEXT,
  body_at INTEGER,
  check_first INTEGER NOT NULL DEFAULT 0
);`;

const SCHEMA = `${ENTRIES_TABLE("entries")}
CREATE INDEX IF NOT EXISTS entries_state_due ON entries (state, due_at, id);
CREATE TABLE IF NOT EXISTS attachments (
  entry_id INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  filename TEXT NOT NULL,
  content BLOB NOT NULL,
  PRIMARY KEY (entry_id, position)
);
`;

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
    db.exec(ENTRIES_TABLE("entries_v2"));
    db.exec(`INSERT INTO entries_v2 SELECT *, NULL, 0 FROM entries`);
    db.exec("DROP TABLE entries");
    db.exec("ALTER TABLE entries_v2 RENAME TO entries");
    db.pragma(`user_version = 2`);
  }).immediate();
  db.pragma("foreign_keys = ON");
}
