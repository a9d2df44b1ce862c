import type BetterSqlite3 from "better-sqlite3";
import { isCorruptRow, toEntry, type QueueEntry, type Row } from "./entry.js";

/** The SQLite queue's connection: statements prepared once, rows read as entries. */
export class SqliteDb {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly db: BetterSqlite3.Database) {}

  /** A prepared statement, prepared once per connection: a runner runs the same few per message. */
  sql(text: string): BetterSqlite3.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /**
   * Rows as entries; a row that cannot be read is set aside as corrupt (best effort: a
   * read-only queue still shows it as corrupt).
   */
  entries(rows: Row[]): QueueEntry[] {
    const out = rows.map(toEntry);
    for (const [i, e] of out.entries()) {
      if (!isCorruptRow(rows[i]!, e)) continue;
      try {
        this.sql(`UPDATE entries SET state = 'corrupt', last_error = ?, ${CLEAR_LEASE} WHERE id = ?`).run(JSON.stringify(e.lastError), e.id);
      } catch {
        // Read-only: shown as corrupt all the same.
      }
    }
    return out;
  }
}

export const CLEAR_LEASE = "lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL";

// The attachments' names and sizes without their bytes, for listing.
export const ATTACHMENT_LIST = `(SELECT json_group_array(json_object('filename', filename, 'size', length(content)))
  FROM attachments a WHERE a.entry_id = entries.id) AS attachment_list`;
