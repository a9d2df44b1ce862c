import { prepareQueueFile, type Note } from "../config/files.js";
import type BetterSqlite3 from "better-sqlite3";
import type { Owner } from "../config/types.js";
import { MailError } from "../errors.js";
import type { JsonError } from "../failures/error.js";
import type { QueueBackend } from "./backend.js";

/**
 * See design.md 6c. uncertain: the message may have reached the server (the connection
 * was lost after the final "." of DATA, or the runner died there); never resent by
 * itself. corrupt: the row cannot be read; kept aside so the rest of the queue works.
 */
export type EntryState = "queued" | "sending" | "sent" | "failed" | "uncertain" | "corrupt";
export const ENTRY_STATES: readonly EntryState[] = ["queued", "sending", "sent", "failed", "uncertain", "corrupt"];

/** The message as it will be sent; the From address is the sender profile's at send time. */
export interface StoredMessage {
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export interface StoredAttachment {
  filename: string;
  content: Buffer;
}

/** What went wrong with an entry, kept for `queue show` and `queue list`. */
export interface EntryError extends JsonError {
  /** true: it will be tried again; false: it stopped here. */
  transient: boolean;
  at: string;
  /** The message may have been delivered (the entry is uncertain). */
  maybeDelivered?: boolean;
}

export interface NewEntry {
  kind: string;
  actingUser: string | null;
  owner: Owner;
  senderEmail: string;
  messageId: string;
  message: StoredMessage;
  attachments: StoredAttachment[];
  /** The routing decision when it was queued, for `queue show`. */
  route: Record<string, unknown>;
  dueAt: number;
}

export interface QueueEntry {
  id: number;
  createdAt: number;
  kind: string;
  actingUser: string | null;
  owner: Owner;
  senderEmail: string;
  messageId: string;
  message: StoredMessage;
  route: Record<string, unknown>;
  attachments: Array<{ filename: string; size: number }>;
  state: EntryState;
  attempts: number;
  dueAt: number;
  lease?: { runner: string; host: string; pid: number; until: number };
  lastError?: EntryError;
  sentAt?: number;
  response?: string;
  /** When this attempt started writing the message body (its final "." follows). */
  bodyAt?: number;
  /** A resend of an uncertain entry: an HTTP sender looks in the mailbox first. */
  checkFirst?: boolean;
}

/** Who holds a lease: a runner in a process on a host. */
export interface RunnerId {
  id: string;
  host: string;
  pid: number;
}

/** An entries row as both backends store it (PostgreSQL's bigints read as numbers). */
export interface Row {
  id: number;
  created_at: number;
  kind: string;
  acting_user: string | null;
  owner: string;
  sender_email: string;
  message_id: string;
  message: string;
  route: string;
  state: EntryState;
  attempts: number;
  due_at: number;
  lease_runner: string | null;
  lease_host: string | null;
  lease_pid: number | null;
  lease_until: number | null;
  last_error: string | null;
  sent_at: number | null;
  response: string | null;
  body_at: number | null;
  check_first: number;
  attachment_list: string | null;
}

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

// The attachments' names and sizes without their bytes, for listing.
const ATTACHMENT_LIST = `(SELECT json_group_array(json_object('filename', filename, 'size', length(content)))
  FROM attachments a WHERE a.entry_id = entries.id) AS attachment_list`;

export const isCorruptRow = (r: Row, e: QueueEntry) => e.state === "corrupt" && r.state !== "corrupt";

export function ownerKey(owner: Owner): string {
  return owner.kind === "company" ? "company" : `user:${owner.id}`;
}

function parseOwnerKey(key: string): Owner {
  return key === "company" ? { kind: "company" } : { kind: "user", id: key.replace(/^user:/, "") };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");

/** A column's JSON, checked for the shape the runner relies on; throws naming the column. */
function column<T>(r: Row, name: "message" | "route" | "last_error" | "attachment_list", ok: (v: unknown) => boolean): T {
  let v: unknown;
  try {
    v = JSON.parse(r[name] ?? "null");
  } catch (err) {
    throw new Error(`column ${name} is not JSON (${(err as Error).message})`);
  }
  if (!ok(v)) throw new Error(`column ${name} does not hold what a queue entry needs`);
  return v as T;
}

const MESSAGE_SHAPE = (m: unknown) =>
  isObject(m) && strings(m.to) && typeof m.subject === "string" && typeof m.text === "string" &&
  (m.cc === undefined || strings(m.cc)) && (m.bcc === undefined || strings(m.bcc));

/** A row as an entry; one that cannot be read becomes a `corrupt` entry saying why. */
export function toEntry(r: Row): QueueEntry {
  try {
    return readEntry(r);
  } catch (err) {
    return corruptEntry(r, (err as Error).message);
  }
}

function corruptEntry(r: Row, why: string): QueueEntry {
  const e: QueueEntry = {
    id: r.id,
    createdAt: r.created_at,
    kind: r.kind,
    actingUser: r.acting_user,
    owner: parseOwnerKey(r.owner),
    senderEmail: r.sender_email,
    messageId: r.message_id,
    message: { to: [], subject: "", text: "" },
    route: {},
    attachments: [],
    state: "corrupt",
    attempts: r.attempts,
    dueAt: r.due_at,
    checkFirst: false,
  };
  e.lastError = {
    category: "unknown",
    message: `Entry #${r.id} cannot be read: ${why}. It is set aside; the rest of the queue is sent.`,
    hint: `Remove it with: mailcfg queue remove ${r.id}`,
    transient: false,
    at: new Date().toISOString(),
  };
  return e;
}

function readEntry(r: Row): QueueEntry {
  const e: QueueEntry = {
    id: r.id,
    createdAt: r.created_at,
    kind: r.kind,
    actingUser: r.acting_user,
    owner: parseOwnerKey(r.owner),
    senderEmail: r.sender_email,
    messageId: r.message_id,
    message: column<StoredMessage>(r, "message", MESSAGE_SHAPE),
    route: column<Record<string, unknown>>(r, "route", isObject),
    attachments: r.attachment_list ? column<QueueEntry["attachments"]>(r, "attachment_list", Array.isArray) : [],
    state: r.state,
    attempts: r.attempts,
    dueAt: r.due_at,
  };
  if (r.lease_runner && r.lease_host && r.lease_pid !== null && r.lease_until !== null) {
    e.lease = { runner: r.lease_runner, host: r.lease_host, pid: r.lease_pid, until: r.lease_until };
  }
  if (r.last_error) e.lastError = column<EntryError>(r, "last_error", (v) => isObject(v) && typeof v.message === "string");
  if (r.sent_at !== null) e.sentAt = r.sent_at;
  if (r.response !== null) e.response = r.response;
  if (r.body_at !== null) e.bodyAt = r.body_at;
  e.checkFirst = r.check_first === 1;
  if (r.state === "corrupt") return { ...corruptEntry(r, "it was set aside earlier"), ...(e.lastError ? { lastError: e.lastError } : {}) };
  return e;
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

/** Is the process with this id alive on this machine? (EPERM: alive, someone else's.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The email queue: one SQLite file (better-sqlite3, WAL) beside the config. Every change
 * of state is one transaction, so a process killed at any moment leaves each entry
 * queued, being sent (and reclaimable), sent, or failed: never lost.
 */
export class QueueStore implements QueueBackend {
  readonly kind = "sqlite";
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  private constructor(
    private readonly db: BetterSqlite3.Database,
    readonly path: string,
  ) {}

  get where(): string {
    return this.path;
  }

  /** A prepared statement, prepared once per connection: a runner runs the same few per message. */
  private sql(text: string): BetterSqlite3.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /** Opens (creating if needed) the queue in a folder; better-sqlite3 is loaded only now. */
  static async open(dir: string, opts: { durable?: boolean; note?: Note } = {}): Promise<QueueStore> {
    // Created 0600 before SQLite opens it (messages are private; -wal and -shm follow its
    // mode); a link, folder or FIFO in its place is refused.
    const path = prepareQueueFile(dir, opts.note);
    const { default: Database } = await import("better-sqlite3");
    let db: BetterSqlite3.Database;
    try {
      db = new Database(path, { timeout: 10_000 });
      db.pragma("journal_mode = WAL");
      // FULL: a queued message survives a power cut. The runner uses NORMAL: a state change
      // lost to a power cut only means a resend, recognisable by the fixed Message-ID.
      db.pragma(`synchronous = ${opts.durable === false ? "NORMAL" : "FULL"}`);
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
    } catch (err) {
      if (err instanceof MailError) throw err;
      throw new MailError("config", `The queue ${path} cannot be opened: ${err instanceof Error ? err.message : String(err)}`, {
        hint: `mailcfg leaves it as it is. Move it away (mv ${path} ${path}.bad) to start an empty queue.`,
        cause: err,
      });
    }
    return new QueueStore(db, path);
  }

  close(): void {
    this.db.close();
  }

  add(e: NewEntry, now: number): number {
    const insert = this.sql(
      `INSERT INTO entries (created_at, kind, acting_user, owner, sender_email, message_id, message, route, due_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const attach = this.sql("INSERT INTO attachments (entry_id, position, filename, content) VALUES (?, ?, ?, ?)");
    return this.db.transaction(() => {
      const id = Number(
        insert.run(now, e.kind, e.actingUser, ownerKey(e.owner), e.senderEmail, e.messageId, JSON.stringify(e.message), JSON.stringify(e.route), e.dueAt)
          .lastInsertRowid,
      );
      e.attachments.forEach((a, i) => attach.run(id, i, a.filename, a.content));
      return id;
    })();
  }

  /** Adds many entries in one transaction: all of them are stored, or none. */
  addMany(entries: NewEntry[], now: number): number[] {
    return this.db.transaction(() => entries.map((e) => this.add(e, now)))();
  }

  get(id: number): QueueEntry | undefined {
    const r = this.sql(`SELECT *, ${ATTACHMENT_LIST} FROM entries WHERE id = ?`).get(id) as Row | undefined;
    return r ? this.entries([r])[0] : undefined;
  }

  /**
   * Rows as entries; a row that cannot be read is set aside as corrupt (best effort: a
   * read-only queue still shows it as corrupt).
   */
  private entries(rows: Row[]): QueueEntry[] {
    const out = rows.map(toEntry);
    for (const [i, e] of out.entries()) {
      if (e.state !== "corrupt" || rows[i]!.state === "corrupt") continue;
      try {
        this.sql(
          `UPDATE entries SET state = 'corrupt', last_error = ?, lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL WHERE id = ?`,
        ).run(JSON.stringify(e.lastError), e.id);
      } catch {
        // Read-only: shown as corrupt all the same.
      }
    }
    return out;
  }

  list(state?: EntryState): QueueEntry[] {
    const rows = (
      state
        ? this.sql(`SELECT *, ${ATTACHMENT_LIST} FROM entries WHERE state = ? ORDER BY id`).all(state)
        : this.sql(`SELECT *, ${ATTACHMENT_LIST} FROM entries ORDER BY id`).all()
    ) as Row[];
    return this.entries(rows);
  }

  counts(): Record<EntryState, number> {
    const out: Record<EntryState, number> = { queued: 0, sending: 0, sent: 0, failed: 0, uncertain: 0, corrupt: 0 };
    for (const r of this.sql("SELECT state, count(*) AS n FROM entries GROUP BY state").all() as Array<{ state: EntryState; n: number }>) {
      out[r.state] = r.n;
    }
    return out;
  }

  attachmentsOf(id: number): StoredAttachment[] {
    return this.sql("SELECT filename, content FROM attachments WHERE entry_id = ? ORDER BY position").all(id) as StoredAttachment[];
  }

  /**
   * Hands entries of dead runners back to the queue: at once when the runner was on
   * this host and its process is gone, otherwise when its lease has expired.
   */
  reclaim(me: RunnerId, now: number): QueueEntry[] {
    const candidates = this
      .sql(`SELECT *, NULL AS attachment_list FROM entries WHERE state = 'sending' AND (lease_until < ? OR lease_host = ?)`)
      .all(now, me.host) as Row[];
    const dead = candidates.filter((r) => {
      if ((r.lease_until ?? 0) < now) return true;
      // Same host: the process tells. Our own process is alive (another runner in it).
      return r.lease_pid !== null && r.lease_pid !== process.pid && !processAlive(r.lease_pid);
    });
    if (dead.length === 0) return [];
    const release = this.sql(
      `UPDATE entries SET state = ?, due_at = ?, last_error = ?, body_at = NULL, lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL
       WHERE id = ? AND state = 'sending' AND lease_runner = ?`,
    );
    const out: QueueEntry[] = [];
    this.db.transaction(() => {
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
  claim(me: RunnerId, now: number, leaseMs: number, max = 1): QueueEntry[] {
    const claim = this.sql(
      `UPDATE entries SET state = 'sending', attempts = attempts + 1, body_at = NULL,
         lease_runner = @runner, lease_host = @host, lease_pid = @pid, lease_until = @until
       WHERE id IN (SELECT id FROM entries WHERE state = 'queued' AND due_at <= @now ORDER BY due_at, id LIMIT @max)
         AND state = 'queued'
       RETURNING *, ${ATTACHMENT_LIST}`,
    );
    return this.db
      .transaction(() => this.entries(claim.all({ runner: me.id, host: me.host, pid: me.pid, until: now + leaseMs, now, max }) as Row[]))
      .immediate()
      .filter((e) => e.state === "sending")
      .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
  }

  /**
   * Recorded before the message body (and its final ".") is written: if this runner
   * dies from now on, the entry becomes uncertain instead of being sent again.
   */
  markBody(me: RunnerId, id: number, now: number): boolean {
    return this.sql("UPDATE entries SET body_at = @now WHERE id = @id AND state = 'sending' AND lease_runner = @runner AND lease_until >= @now").run({ now, id, runner: me.id }).changes === 1;
  }

  /** The message may have been delivered: set aside until someone decides (queue retry). */
  markUncertain(me: RunnerId, id: number, error: EntryError): boolean {
    return (
      this
        .sql(
          `UPDATE entries SET state = 'uncertain', last_error = ?, body_at = NULL,
             lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL
           WHERE id = ? AND state = 'sending' AND lease_runner = ?`,
        )
        .run(JSON.stringify({ ...error, transient: false, maybeDelivered: true }), id, me.id).changes === 1
    );
  }

  /** Hands back entries this runner claimed but did not start (a stop between claim and send). */
  release(me: RunnerId, ids: number[]): void {
    const st = this.sql(
      `UPDATE entries SET state = 'queued', attempts = max(0, attempts - 1), body_at = NULL,
         lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL
       WHERE id = ? AND state = 'sending' AND lease_runner = ?`,
    );
    this.db.transaction(() => {
      for (const id of ids) st.run(id, me.id);
    })();
  }

  /** Keeps this runner's leases alive while it sends. */
  renewLeases(me: RunnerId, until: number): number {
    return this.sql("UPDATE entries SET lease_until = ? WHERE state = 'sending' AND lease_runner = ?").run(until, me.id).changes;
  }

  /**
   * Records a send the server accepted. Whoever holds the lease, this is the truth, and
   * recording it keeps a reclaimed copy from being sent again.
   */
  markSent(id: number, now: number, response: string): boolean {
    return (
      this
        .sql(
          `UPDATE entries SET state = 'sent', sent_at = ?, response = ?, last_error = NULL, body_at = NULL, check_first = 0,
             lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL
           WHERE id = ? AND state IN ('sending', 'queued', 'uncertain')`,
        )
        .run(now, response, id).changes === 1
    );
  }

  /** Records a failure: back to the queue at `retryAt`, or failed for good when retryAt is undefined. */
  markFailed(me: RunnerId, id: number, error: EntryError, retryAt: number | undefined): boolean {
    return (
      this
        .sql(
          `UPDATE entries SET state = ?, due_at = coalesce(?, due_at), last_error = ?, body_at = NULL,
             lease_runner = NULL, lease_host = NULL, lease_pid = NULL, lease_until = NULL
           WHERE id = ? AND state = 'sending' AND lease_runner = ?`,
        )
        .run(retryAt === undefined ? "failed" : "queued", retryAt ?? null, JSON.stringify(error), id, me.id).changes === 1
    );
  }

  /** When the next queued entry is due, if any is queued. */
  nextDue(): number | undefined {
    const r = this.sql("SELECT min(due_at) AS due FROM entries WHERE state = 'queued'").get() as { due: number | null };
    return r.due ?? undefined;
  }

  /**
   * Puts an entry back in the queue, due now, with its attempts reset; optionally
   * re-routed. An uncertain entry is put back only when asked (`uncertain`), and then
   * marked so an HTTP sender looks for it in the mailbox before sending it again.
   */
  requeue(id: number, now: number, reroute?: { owner: Owner; senderEmail: string; route: Record<string, unknown> }, uncertain = false): boolean {
    const states = uncertain ? "('queued', 'failed', 'uncertain')" : "('queued', 'failed')";
    const check = "check_first = (check_first OR state = 'uncertain')";
    const sql = reroute
      ? `UPDATE entries SET state = 'queued', due_at = @now, attempts = 0, ${check}, owner = @owner, sender_email = @email, route = @route
         WHERE id = @id AND state IN ${states}`
      : `UPDATE entries SET state = 'queued', due_at = @now, attempts = 0, ${check} WHERE id = @id AND state IN ${states}`;
    const params: Record<string, unknown> = { id, now };
    if (reroute) Object.assign(params, { owner: ownerKey(reroute.owner), email: reroute.senderEmail, route: JSON.stringify(reroute.route) });
    return this.sql(sql).run(params).changes === 1;
  }

  /**
   * A renamed user keeps their queued entries: the sender (owner) and the acting user
   * move to the new id, in one transaction. Returns how many entries changed.
   */
  renameUser(from: string, to: string): number {
    const [oldKey, newKey] = [ownerKey({ kind: "user", id: from }), ownerKey({ kind: "user", id: to })];
    return this.db.transaction(() => {
      const { n } = this.sql("SELECT count(*) AS n FROM entries WHERE owner = ? OR acting_user = ?").get(oldKey, from) as { n: number };
      this.sql("UPDATE entries SET owner = ? WHERE owner = ?").run(newKey, oldKey);
      this.sql("UPDATE entries SET acting_user = ? WHERE acting_user = ?").run(to, from);
      return n;
    })();
  }

  remove(id: number): boolean {
    return this.sql("DELETE FROM entries WHERE id = ? AND state != 'sending'").run(id).changes === 1;
  }

  purge(states: EntryState[]): number {
    if (states.length === 0) return 0;
    return this.sql(`DELETE FROM entries WHERE state IN (${states.map(() => "?").join(", ")})`).run(...states).changes;
  }
}

/**
 * What becomes of an entry whose runner died: queued again when it died before writing
 * the message body, uncertain when it may have sent the final "." (design.md 6c).
 */
export function reclaimedState(r: { lease_host: string | null; lease_pid: number | null; message_id: string; body_at: number | null }, now: number): {
  state: "queued" | "uncertain";
  why: EntryError;
} {
  const who = `The runner on ${r.lease_host} (pid ${r.lease_pid}) stopped`;
  const at = new Date(now).toISOString();
  if (r.body_at !== null) {
    return {
      state: "uncertain",
      why: {
        category: "unknown",
        message: `${who} while it was handing the message to the server, so it may have been delivered. It is not sent again by itself.`,
        hint: `Check the recipient's or the sender's mailbox for Message-ID ${r.message_id}; to send it anyway: mailcfg queue retry <id> --yes`,
        transient: false,
        maybeDelivered: true,
        at,
      },
    };
  }
  return {
    state: "queued",
    why: {
      category: "unknown",
      message: `${who} before it started sending this entry. It is queued again with the same Message-ID ${r.message_id}.`,
      transient: true,
      at,
    },
  };
}
