/**
 * The queue's two tables, declared once for both engines: each column's kind becomes the
 * engine's own type (a millisecond time is BIGINT on PostgreSQL, INTEGER on SQLite).
 */
type Kind = "id" | "ref" | "time" | "int" | "text" | "bytes";
type Dialect = "sqlite" | "postgres";

const TYPES: Record<Dialect, Record<Kind, string>> = {
  sqlite: { id: "INTEGER PRIMARY KEY AUTOINCREMENT", ref: "INTEGER", time: "INTEGER", int: "INTEGER", text: "TEXT", bytes: "BLOB" },
  postgres: { id: "BIGSERIAL PRIMARY KEY", ref: "BIGINT", time: "BIGINT", int: "INTEGER", text: "TEXT", bytes: "BYTEA" },
};

const STATES = "'queued', 'sending', 'sent', 'failed', 'uncertain', 'corrupt'";

/** name, kind, and what follows the type. */
const ENTRY_COLUMNS: ReadonlyArray<readonly [string, Kind, string?]> = [
  ["id", "id"],
  ["created_at", "time", "NOT NULL"],
  ["kind", "text", "NOT NULL"],
  ["acting_user", "text"],
  ["owner", "text", "NOT NULL"],
  ["sender_email", "text", "NOT NULL"],
  ["message_id", "text", "NOT NULL UNIQUE"],
  ["message", "text", "NOT NULL"],
  ["route", "text", "NOT NULL"],
  ["state", "text", `NOT NULL DEFAULT 'queued' CHECK (state IN (${STATES}))`],
  ["attempts", "int", "NOT NULL DEFAULT 0"],
  ["due_at", "time", "NOT NULL"],
  ["lease_runner", "text"],
  ["lease_host", "text"],
  ["lease_pid", "int"],
  ["lease_until", "time"],
  ["last_error", "text"],
  ["sent_at", "time"],
  ["response", "text"],
  ["body_at", "time"],
  ["check_first", "int", "NOT NULL DEFAULT 0"],
];

/** CREATE TABLE for the entries, under `name`. */
export function entriesTable(dialect: Dialect, name: string): string {
  const columns = ENTRY_COLUMNS.map(([column, kind, rest]) => `  ${column} ${TYPES[dialect][kind]}${rest ? " " + rest : ""}`);
  return `CREATE TABLE IF NOT EXISTS ${name} (\n${columns.join(",\n")}\n);`;
}

/** The entries table, its index of what is due, and the attachments table beside it. */
export function queueTables(dialect: Dialect, entries: string, attachments: string): string {
  const t = TYPES[dialect];
  return `${entriesTable(dialect, entries)}
CREATE INDEX IF NOT EXISTS ${entries}_state_due ON ${entries} (state, due_at, id);
CREATE TABLE IF NOT EXISTS ${attachments} (
  entry_id ${t.ref} NOT NULL REFERENCES ${entries} (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  filename TEXT NOT NULL,
  content ${t.bytes} NOT NULL,
  PRIMARY KEY (entry_id, position)
);`;
}
