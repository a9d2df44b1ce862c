import type { Context } from "../context.js";
import type { QueueBackend } from "./backend.js";
import type { PgQueue } from "./pg-store.js";
import { checkQueueUrl, QUEUE_PASSWORD_KEY } from "../config/queue-url.js";
import { timeoutMs as toMs } from "../util/timeout.js";

export interface QueueTarget {
  url: string;
  /** From MAILCFG_QUEUE_PASSWORD or the secret store, when the URL holds none. */
  password?: string;
}

/** The shared queue, when one is set (MAILCFG_QUEUE_URL, else the queue-url setting). */
export async function sharedQueueTarget(ctx: Context): Promise<QueueTarget | undefined> {
  const fromEnv = ctx.env.MAILCFG_QUEUE_URL;
  const setting = fromEnv ? undefined : (await ctx.config()).settings()["queue-url"];
  const value = fromEnv || setting;
  if (!value) return undefined;
  const url = checkQueueUrl(value, fromEnv ? "MAILCFG_QUEUE_URL" : "queue-url", true);
  if (url.password) return { url: value };
  const password = await queuePassword(ctx);
  return { url: value, ...(password ? { password } : {}) };
}

/** The shared queue's password: MAILCFG_QUEUE_PASSWORD, else the secret store (pg itself also reads PGPASSWORD and ~/.pgpass). */
export async function queuePassword(ctx: Context): Promise<string | undefined> {
  return ctx.env.MAILCFG_QUEUE_PASSWORD || (await (await ctx.secrets()).get(QUEUE_PASSWORD_KEY).catch(() => undefined));
}

/** The queue a command works on: the shared PostgreSQL queue when set, else the SQLite file. */
export async function openQueueBackend(ctx: Context, opts: { durable?: boolean } = {}): Promise<QueueBackend> {
  const shared = await sharedQueueTarget(ctx);
  if (!shared) {
    const { QueueStore } = await import("./store.js");
    return QueueStore.open(ctx.configDir, { ...opts, note: noteTo(ctx) });
  }
  return openPostgres(ctx, shared);
}

export async function openPostgres(ctx: Context, target: QueueTarget): Promise<PgQueue> {
  const timeoutMs = toMs((await ctx.config()).settings()["connect-timeout-seconds"], "connect-timeout-seconds");
  const { PgQueue } = await import("./pg-store.js");
  return PgQueue.open(target.url, { ...(target.password ? { password: target.password } : {}), timeoutMs });
}

/**
 * The queue, only if there is one: the shared queue when set, else queue.db when it
 * exists (remove and rename look at queued entries without creating a queue).
 */
export async function openExistingQueue(ctx: Context): Promise<QueueBackend | undefined> {
  const shared = await sharedQueueTarget(ctx);
  if (shared) return openPostgres(ctx, shared);
  const { existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  if (!existsSync(join(ctx.configDir, "queue.db"))) return undefined;
  const { QueueStore } = await import("./store.js");
  return QueueStore.open(ctx.configDir, { note: noteTo(ctx) });
}

/** Notes about the queue file (a mode made owner-only) go to stderr. */
function noteTo(ctx: Context): (text: string) => void {
  return (text) => void ctx.io.err.write(ctx.theme.dim(`note: ${text}`) + "\n");
}
