import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { QueueStore } from "../../src/queue/store.js";
import { type RunnerId } from "../../src/queue/entry.js";
import { tempConfig } from "../helpers/cli.js";
import type { QueueBackend } from "../../src/queue/backend.js";
import { queueBackends, testEntry, type QueueHarness } from "../helpers/queue-backends.js";

const entry = testEntry;

async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => c.on("exit", r));
  return c.pid!;
}

describe.each(queueBackends())("queue states ($name): a runner that died, a row that cannot be read", (backend) => {
  let h: QueueHarness;
  let q: QueueBackend;
  beforeEach(async () => {
    h = await backend.open();
    q = h.q;
  });
  afterEach(async () => {
    await h.close();
  });
  const me: RunnerId = { id: "me", host: hostname(), pid: process.pid };

  it("a runner that died before the body is reclaimable at once; one that died after it started the body leaves the entry uncertain", async () => {
    const before = await q.add(entry(), 0);
    const during = await q.add(entry(), 0);
    const dead: RunnerId = { id: "dead", host: hostname(), pid: await deadPid() };
    expect((await q.claim(dead, Date.now(), 600_000, 2)).map((e) => e.id)).toEqual([before, during]);
    expect((await q.markBody(dead, during, Date.now())).body).toBe(true);

    const reclaimed = await q.reclaim(me, Date.now());
    expect(reclaimed.map((e) => [e.id, e.state]).sort()).toEqual([
      [before, "queued"],
      [during, "uncertain"],
    ]);
    expect((await q.get(before))?.state).toBe("queued");
    const u = (await q.get(during))!;
    expect(u.state).toBe("uncertain");
    expect(u.lastError).toMatchObject({ maybeDelivered: true, transient: false });
    expect(u.lastError?.message).toMatch(/may have been delivered/);
    // Never claimed by itself.
    expect((await q.claim(me, Date.now(), 600_000, 10)).map((e) => e.id)).toEqual([before]);
  });

  it("an expired lease elsewhere follows the same rule", async () => {
    const a = await q.add(entry(), 0);
    const other: RunnerId = { id: "other", host: "elsewhere.test", pid: 1 };
    await q.claim(other, Date.now(), 300, 1);
    await q.markBody(other, a, Date.now());
    await new Promise((r) => setTimeout(r, 400));
    await q.reclaim(me, Date.now());
    expect((await q.get(a))?.state).toBe("uncertain");
  });

  it("an uncertain entry is queued again only when asked, and then marked to be checked first", async () => {
    const a = await q.add(entry(), 0);
    await q.claim(me, 1, 600_000, 1);
    await q.markUncertain(me, a, { category: "server", message: "lost", transient: false, at: "x" });
    expect(await q.requeue(a, 5)).toBe(false);
    expect((await q.get(a))?.state).toBe("uncertain");
    expect(await q.requeue(a, 5, undefined, true)).toBe(true);
    expect(await q.get(a)).toMatchObject({ state: "queued", checkFirst: true });
  });

  it("a corrupt row is set aside: list works, a batch claim takes the good ones and leaves none sending, remove works", async () => {
    const good1 = await q.add(entry(), 0);
    const bad = await q.add(entry(), 0);
    const good2 = await q.add(entry(), 0);
    await h.setColumn(bad, "message", '{"to": ["a@x.test"], "subject": ');

    const listed = await q.list();
    expect(listed.map((e) => e.state)).toEqual(["queued", "corrupt", "queued"]);
    expect(listed[1]?.lastError?.message).toMatch(/column message is not JSON/);
    await h.setColumn(good2, "route", "[oops"); // this one goes bad after the listing, before the claim
    expect((await q.claim(me, 1, 600_000, 3)).map((e) => e.id)).toEqual([good1]);
    expect(await q.counts()).toMatchObject({ sending: 1, corrupt: 2, queued: 0 });
    expect(await q.remove(bad)).toBe(true);
    expect(await q.get(bad)).toBeUndefined();
  });

  it("a row of the right JSON but the wrong shape is corrupt too", async () => {
    const bad = await q.add(entry(), 0);
    await h.setColumn(bad, "message", '{"to": "not a list"}');
    expect((await q.get(bad))?.state).toBe("corrupt");
  });
});

describe("queue schema 1 (before uncertain and corrupt)", () => {
  it("is upgraded in place, entries kept", async () => {
    const tmp = tempConfig();
    try {
      const path = join(tmp.dir, "queue.db");
      const db = new Database(path);
      db.exec(`CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, kind TEXT NOT NULL, acting_user TEXT,
        owner TEXT NOT NULL, sender_email TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, message TEXT NOT NULL, route TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')), attempts INTEGER NOT NULL DEFAULT 0,
        due_at INTEGER NOT NULL, lease_runner TEXT, lease_host TEXT, lease_pid INTEGER, lease_until INTEGER, last_error TEXT, sent_at INTEGER, response TEXT);
        CREATE TABLE attachments (entry_id INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE, position INTEGER NOT NULL,
        filename TEXT NOT NULL, content BLOB NOT NULL, PRIMARY KEY (entry_id, position));
        INSERT INTO entries (created_at, kind, owner, sender_email, message_id, message, route, due_at)
          VALUES (1, 'invoice', 'company', 's@acme.test', '<old@acme.test>', '{"to":["a@x.test"],"subject":"old","text":"t"}', '{}', 0);
        INSERT INTO attachments VALUES (1, 0, 'a.txt', x'414243');
        PRAGMA user_version = 1;`);
      db.close();
      const q = await QueueStore.open(tmp.dir);
      try {
        expect(q.get(1)).toMatchObject({ state: "queued", messageId: "<old@acme.test>", attachments: [{ filename: "a.txt", size: 3 }] });
        const me: RunnerId = { id: "me", host: hostname(), pid: process.pid };
        q.claim(me, 1, 1000, 1);
        expect(q.markUncertain(me, 1, { category: "server", message: "lost", transient: false, at: "x" })).toBe(true);
        expect(q.remove(1)).toBe(true);
        expect(q.attachmentsOf(1)).toEqual([]);
      } finally {
        q.close();
      }
    } finally {
      tmp.remove();
    }
  });
});
