import type { Owner } from "../config/types.js";
import type { OutgoingMail } from "../providers/types.js";
import type { JsonError } from "../failures/error.js";

/**
 * See design.md 6c. uncertain: the message may have reached the server (the connection
 * was lost after the final "." of DATA, or the runner died there); never resent by
 * itself. corrupt: the row cannot be read; kept aside so the rest of the queue works.
 */
export type EntryState = "queued" | "sending" | "sent" | "failed" | "uncertain" | "corrupt";
export const ENTRY_STATES: readonly EntryState[] = ["queued", "sending", "sent", "failed", "uncertain", "corrupt"];

/** The message as it will be sent; the From address is the sender profile's at send time. */
export type StoredMessage = Pick<OutgoingMail, "to" | "cc" | "bcc" | "subject" | "text" | "html" | "headers">;

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

/** An entry as stored: what was queued (attachments by name and size), its state and its lease. */
export interface QueueEntry extends Omit<NewEntry, "attachments"> {
  id: number;
  createdAt: number;
  attachments: Array<{ filename: string; size: number }>;
  state: EntryState;
  attempts: number;
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

/** The columns every entry reads as they are, around the parts read from JSON (in the order the output shows them). */
function entryOf(r: Row, parts: Pick<QueueEntry, "message" | "route" | "attachments" | "state">): QueueEntry {
  return {
    id: r.id,
    createdAt: r.created_at,
    kind: r.kind,
    actingUser: r.acting_user,
    owner: parseOwnerKey(r.owner),
    senderEmail: r.sender_email,
    messageId: r.message_id,
    ...parts,
    attempts: r.attempts,
    dueAt: r.due_at,
  };
}

function corruptEntry(r: Row, why: string): QueueEntry {
  const e = entryOf(r, { message: { to: [], subject: "", text: "" }, route: {}, attachments: [], state: "corrupt" });
  e.checkFirst = false;
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
  const e = entryOf(r, {
    message: column<StoredMessage>(r, "message", MESSAGE_SHAPE),
    route: column<Record<string, unknown>>(r, "route", isObject),
    attachments: r.attachment_list ? column<QueueEntry["attachments"]>(r, "attachment_list", Array.isArray) : [],
    state: r.state,
  });
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

