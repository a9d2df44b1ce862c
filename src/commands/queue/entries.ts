import type { Context } from "../../context.js";
import { UsageError } from "../../errors.js";
import type { QueueEntry } from "../../queue/entry.js";
import type { QueueBackend } from "../../queue/backend.js";
import { parseIntFlag } from "../shared.js";

/** The queue modules (and better-sqlite3 or pg with them) are loaded only by the queue commands. */
async function openQueue(ctx: Context, durable = true): Promise<QueueBackend> {
  const { openQueueBackend } = await import("../../queue/open.js");
  return openQueueBackend(ctx, { durable });
}

export async function withQueue<T>(ctx: Context, use: (q: QueueBackend) => Promise<T> | T, durable = true): Promise<T> {
  const q = await openQueue(ctx, durable);
  try {
    return await use(q);
  } finally {
    await q.close();
  }
}

/**
 * For the commands that only read (list, show): on a config folder this user cannot
 * write, SQLite cannot open queue.db (WAL mode creates files beside it), so a copy
 * in a private temp folder is read instead.
 */
export async function readQueue<T>(ctx: Context, use: (q: QueueBackend) => T | Promise<T>): Promise<T> {
  const { sharedQueueTarget } = await import("../../queue/open.js");
  if (await sharedQueueTarget(ctx)) return withQueue(ctx, use);
  const { snapshotIfReadOnly } = await import("../../queue/read-only.js");
  const snapshot = snapshotIfReadOnly(ctx.configDir);
  if (!snapshot) return withQueue(ctx, use);
  const { QueueStore } = await import("../../queue/store.js");
  const q = await QueueStore.open(snapshot.dir);
  try {
    return await use(q);
  } finally {
    q.close();
    snapshot.remove();
  }
}

export function parseId(value: string): number {
  return parseIntFlag(value, "<id>", 1, Number.MAX_SAFE_INTEGER);
}

export async function mustGet(q: QueueBackend, id: number): Promise<QueueEntry> {
  const e = await q.get(id);
  if (!e) throw new UsageError(`There is no queue entry #${id}.`, "See: mailcfg queue list");
  return e;
}

export const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An entry as --json shows it: everything but the bodies and attachment bytes. */
export function entryJson(e: QueueEntry): Record<string, unknown> {
  return {
    id: e.id,
    state: e.state,
    kind: e.kind,
    user: e.actingUser,
    sender: e.owner.kind,
    owner: e.owner,
    from: e.senderEmail,
    to: e.message.to,
    cc: e.message.cc ?? [],
    bcc: e.message.bcc ?? [],
    subject: e.message.subject,
    messageId: e.messageId,
    attachments: e.attachments,
    attempts: e.attempts,
    createdAt: iso(e.createdAt),
    dueAt: iso(e.dueAt),
    sentAt: iso(e.sentAt) ?? null,
    response: e.response ?? null,
    lastError: e.lastError ?? null,
    lease: e.lease ? { ...e.lease, until: iso(e.lease.until) } : null,
  };
}
