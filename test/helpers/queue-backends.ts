import { afterAll, afterEach, beforeEach } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { QueueStore } from "../../src/queue/store.js";
import { PgQueue } from "../../src/queue/pg-store.js";
import type { QueueBackend } from "../../src/queue/backend.js";
import type { NewEntry } from "../../src/queue/entry.js";
import { randomBytes } from "node:crypto";
import { startPostgres, type TestPostgres } from "./postgres.js";
import { tempConfig } from "./cli.js";

/** One queue under test, on a fresh database or file. */
export interface QueueHarness {
  q: QueueBackend;
  /** A second connection to the same queue (another runner). */
  other(): Promise<QueueBackend>;
  /** Writes a raw column value, as a damaged row would hold it. */
  setColumn(id: number, column: "message" | "route" | "last_error", value: string): Promise<void>;
  /** What `mailcfg` needs in its environment to use this queue (nothing for the file beside the config). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface BackendUnderTest {
  name: "sqlite" | "postgres";
  /** configDir: where the SQLite file lives (the config folder of the CLI tests). */
  open(configDir?: string): Promise<QueueHarness>;
}

let server: Promise<TestPostgres> | undefined;

/**
 * The two queue backends, for describe.each: the SQLite file and PostgreSQL (a real
 * server started once per test file, a fresh database per queue, stopped after).
 */
export function queueBackends(): BackendUnderTest[] {
  afterAll(async () => {
    const s = server;
    server = undefined;
    await (await s)?.stop();
  });
  return [
    {
      name: "sqlite",
      async open(configDir) {
        const tmp = configDir ? undefined : tempConfig();
        const dir = configDir ?? tmp!.dir;
        const q = await QueueStore.open(dir);
        const opened: QueueBackend[] = [q];
        return {
          q,
          other: async () => {
            const o = await QueueStore.open(dir);
            opened.push(o);
            return o;
          },
          async setColumn(id, column, value) {
            const db = new Database(join(dir, "queue.db"));
            db.prepare(`UPDATE entries SET ${column} = ? WHERE id = ?`).run(value, id);
            db.close();
          },
          env: {},
          async close() {
            for (const o of opened) o.close();
            tmp?.remove();
          },
        };
      },
    },
    {
      name: "postgres",
      async open() {
        const pgServer = await (server ??= startPostgres());
        const url = await pgServer.createDatabase();
        const q = await PgQueue.open(url, { timeoutMs: 10_000 });
        const opened: QueueBackend[] = [q];
        return {
          q,
          other: async () => {
            const o = await PgQueue.open(url, { timeoutMs: 10_000 });
            opened.push(o);
            return o;
          },
          async setColumn(id, column, value) {
            const c = new pg.Client({ connectionString: url });
            await c.connect();
            await c.query(`UPDATE mailcfg_queue_entries SET ${column} = $1 WHERE id = $2`, [value, id]);
            await c.end();
          },
          env: { MAILCFG_QUEUE_URL: url },
          async close() {
            for (const o of opened) await o.close();
          },
        };
      },
    },
  ];
}

let entries = 0;
/** A queue entry for the store tests: a user's invoice with a Message-ID of its own. */
export function testEntry(over: Partial<NewEntry> = {}): NewEntry {
  entries += 1;
  return {
    kind: "invoice",
    actingUser: "jdoe",
    owner: { kind: "user", id: "jdoe" },
    senderEmail: "jdoe@acme.test",
    messageId: `<test-${entries}-${randomBytes(4).toString("hex")}@acme.test>`,
    message: { to: ["a@customer.test"], subject: `S${entries}`, text: "T" },
    attachments: [],
    route: { sender: "user" },
    dueAt: 0,
    ...over,
  };
}

/** A fresh config folder with its queue on this backend, for each test of a describe block. */
export interface QueueFolder {
  /** The temporary folder around the config folder, for other files (attachments). */
  readonly dir: string;
  /** The config folder mailcfg runs with. */
  readonly cfg: string;
  readonly h: QueueHarness;
}

export function useQueueFolder(backend: BackendUnderTest): QueueFolder {
  let tmp: ReturnType<typeof tempConfig> | undefined;
  let cfg = "";
  let h: QueueHarness | undefined;
  beforeEach(async () => {
    tmp = tempConfig();
    cfg = join(tmp.dir, "config");
    mkdirSync(cfg);
    h = await backend.open(cfg);
  });
  afterEach(async () => {
    await h?.close();
    tmp?.remove();
  });
  return {
    get dir() {
      return tmp!.dir;
    },
    get cfg() {
      return cfg;
    },
    get h() {
      return h!;
    },
  };
}
