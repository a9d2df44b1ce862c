import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { QueueStore } from "../../src/queue/store.js";
import { type RunnerId } from "../../src/queue/entry.js";
import type { QueueBackend } from "../../src/queue/backend.js";
import { tempConfig } from "../helpers/cli.js";
import { queueBackends, testEntry, type QueueHarness } from "../helpers/queue-backends.js";

const entry = testEntry;

const runner = (id: string, over: Partial<RunnerId> = {}): RunnerId => ({ id, host: hostname(), pid: process.pid, ...over });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of a process that has exited (and so is certainly not running). */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => c.on("exit", r));
  return c.pid!;
}

describe("QueueStore (SQLite file)", () => {
  it("keeps the file readable by its owner only", async () => {
    const tmp = tempConfig();
    const q = await QueueStore.open(tmp.dir);
    q.close();
    expect(statSync(join(tmp.dir, "queue.db")).mode & 0o777).toBe(0o600);
    tmp.remove();
  });
});

describe.each(queueBackends())("queue store: $name", (backend) => {
  let h: QueueHarness;
  let q: QueueBackend;
  beforeEach(async () => {
    h = await backend.open();
    q = h.q;
  });
  afterEach(async () => {
    await h.close();
  });

  it("keeps an entry with its attachments byte for byte", async () => {
    const bytes = randomBytes(100_000);
    const id = await q.add(entry({ attachments: [{ filename: "a.pdf", content: bytes }] }), 1);
    const e = (await q.get(id))!;
    expect(e).toMatchObject({ state: "queued", attempts: 0, kind: "invoice", owner: { kind: "user", id: "jdoe" } });
    expect(e.attachments).toEqual([{ filename: "a.pdf", size: 100_000 }]);
    expect((await q.attachmentsOf(id))[0]?.content.equals(bytes)).toBe(true);
  });

  it("claims due entries only, oldest first, each once", async () => {
    const a = await q.add(entry({ dueAt: 10 }), 0);
    const b = await q.add(entry({ dueAt: 5 }), 0);
    await q.add(entry({ dueAt: 1000 }), 0);
    const r = runner("r1");
    expect((await q.claim(r, 100, 60_000, 5)).map((e) => e.id)).toEqual([b, a]);
    expect(await q.claim(r, 100, 60_000, 5)).toEqual([]);
    expect(await q.get(a)).toMatchObject({ state: "sending", attempts: 1, lease: { runner: "r1", pid: process.pid } });
  });

  it("two connections to the same queue never claim the same entry", async () => {
    for (let i = 0; i < 200; i++) await q.add(entry(), 0);
    const other = await h.other();
    const got: number[] = [];
    const claimAll = async (c: QueueBackend, r: string, max: number) => {
      for (;;) {
        const batch = await c.claim(runner(r), 1, 60_000, max);
        if (batch.length === 0) return;
        got.push(...batch.map((e) => e.id));
      }
    };
    await Promise.all([claimAll(q, "r1", 1), claimAll(other, "r2", 2)]);
    expect(got).toHaveLength(200);
    expect(new Set(got).size).toBe(200);
  });

  it("reclaims at once an entry whose runner on this host has exited", async () => {
    const id = await q.add(entry(), 0);
    const pid = await deadPid();
    await q.claim(runner("dead", { pid }), Date.now(), 3_600_000);
    const back = await q.reclaim(runner("me"), Date.now());
    expect(back.map((e) => e.id)).toEqual([id]);
    const e = (await q.get(id))!;
    expect(e.state).toBe("queued");
    expect(e.lastError?.message).toContain(e.messageId);
  });

  it("leaves alone an entry whose runner on this host is alive", async () => {
    const id = await q.add(entry(), 0);
    await q.claim(runner("alive", { pid: process.ppid }), Date.now(), 3_600_000);
    expect(await q.reclaim(runner("me"), Date.now())).toEqual([]);
    expect((await q.get(id))?.state).toBe("sending");
  });

  it("an entry of a runner on another host comes back only when its lease has expired", async () => {
    const id = await q.add(entry(), 0);
    await q.claim(runner("far", { host: "other-host.example", pid: 1 }), Date.now(), 400);
    expect(await q.reclaim(runner("me"), Date.now())).toEqual([]);
    await sleep(500);
    expect((await q.reclaim(runner("me"), Date.now())).map((e) => e.id)).toEqual([id]);
  });

  it("renewed leases keep a slow send from being reclaimed", async () => {
    const id = await q.add(entry(), 0);
    const far = runner("far", { host: "other-host.example", pid: 1 });
    await q.claim(far, Date.now(), 400);
    await q.renewLeases(far, Date.now() + 60_000);
    await sleep(500);
    expect(await q.reclaim(runner("me"), Date.now())).toEqual([]);
    expect((await q.get(id))?.state).toBe("sending");
  });

  it("a send recorded after the entry was reclaimed still counts: it is not sent again", async () => {
    const id = await q.add(entry(), 0);
    await q.claim(runner("slow", { pid: await deadPid() }), 1, 60_000);
    await q.reclaim(runner("me"), Date.now());
    expect(await q.markSent([{ id, at: 3, response: "250 ok" }])).toEqual([id]);
    expect(await q.claim(runner("me"), 4, 60_000)).toEqual([]);
    expect((await q.get(id))?.state).toBe("sent");
  });

  it("several sends recorded at once, each with its own reply; an entry failed meanwhile is not marked sent", async () => {
    const [a, b, c] = [await q.add(entry(), 0), await q.add(entry(), 0), await q.add(entry(), 0)];
    const r = runner("r");
    await q.claim(r, 1, 60_000, 3);
    await q.markFailed(r, c, { category: "rejected", message: "no", transient: false, at: "t" }, undefined);
    const recorded = await q.markSent([
      { id: a, at: 5, response: "250 it's queued as A" },
      { id: b, at: 6, response: ' 250 "B", \\ {x}' },
      { id: c, at: 7, response: "250 C" },
    ]);
    expect([...recorded].sort()).toEqual([a, b].sort());
    expect(await q.get(a)).toMatchObject({ state: "sent", sentAt: 5, response: "250 it's queued as A" });
    expect(await q.get(b)).toMatchObject({ state: "sent", sentAt: 6, response: ' 250 "B", \\ {x}' });
    expect((await q.get(c))?.state).toBe("failed");
    expect(await q.markSent([])).toEqual([]);
  });

  it("a runner whose lease expired may not start the body (markBody refuses)", async () => {
    const id = await q.add(entry(), 0);
    const far = runner("far", { host: "other-host.example", pid: 1 });
    await q.claim(far, Date.now(), 300);
    await sleep(400);
    await q.reclaim(runner("me"), Date.now());
    expect((await q.markBody(far, id, Date.now())).body).toBe(false);
  });

  it("the body mark records the sends a runner held in the same transaction, even when the mark itself is refused", async () => {
    const [a, b, c] = [await q.add(entry(), 0), await q.add(entry(), 0), await q.add(entry(), 0)];
    const r = runner("r");
    await q.claim(r, 1, 60_000, 3);
    expect(await q.markBody(r, b, 10, [{ id: a, at: 9, response: "250 A" }])).toEqual({ body: true, sent: [a] });
    expect(await q.get(a)).toMatchObject({ state: "sent", sentAt: 9, response: "250 A" });
    expect(await q.get(b)).toMatchObject({ state: "sending", bodyAt: 10 });
    // Another runner's mark on an entry this one holds is refused; the held send still counts.
    expect(await q.markBody(runner("other"), c, 11, [{ id: b, at: 11, response: "250 B" }])).toEqual({ body: false, sent: [b] });
    expect((await q.get(b))?.state).toBe("sent");
    expect((await q.get(c))?.bodyAt).toBeUndefined();
  });

  it("a failure goes back to the queue with a due time, or stops as failed", async () => {
    const a = await q.add(entry(), 0);
    const b = await q.add(entry(), 0);
    const r = runner("r");
    await q.claim(r, 1, 60_000, 2);
    const err = { category: "server", message: "x", transient: true, at: "t" };
    await q.markFailed(r, a, err, 5000);
    await q.markFailed(r, b, { ...err, transient: false }, undefined);
    expect(await q.get(a)).toMatchObject({ state: "queued", dueAt: 5000, lastError: { category: "server" } });
    expect((await q.get(b))?.state).toBe("failed");
    expect(await q.claim(r, 4999, 60_000)).toEqual([]);
    expect((await q.claim(r, 5000, 60_000)).map((e) => e.id)).toEqual([a]);
  });

  it("requeue, remove and purge", async () => {
    const a = await q.add(entry(), 0);
    const b = await q.add(entry(), 0);
    const r = runner("r");
    await q.claim(r, 1, 60_000, 2);
    await q.markSent([{ id: a, at: 2, response: "250" }]);
    await q.markFailed(r, b, { category: "rejected", message: "no", transient: false, at: "t" }, undefined);
    expect(await q.requeue(a, 3)).toBe(false); // sent stays sent
    expect(await q.requeue(b, 3)).toBe(true);
    expect(await q.get(b)).toMatchObject({ state: "queued", attempts: 0, dueAt: 3 });
    expect(await q.purge(["sent"])).toBe(1);
    expect(await q.get(a)).toBeUndefined();
    expect(await q.remove(b)).toBe(true);
    expect(await q.counts()).toEqual({ queued: 0, sending: 0, sent: 0, failed: 0, uncertain: 0, corrupt: 0 });
  });
});
