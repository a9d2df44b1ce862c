import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { QueueStore, type NewEntry, type RunnerId } from "../../src/queue/store.js";
import { tempDir } from "../helpers/run-main.js";

let n = 0;
function entry(over: Partial<NewEntry> = {}): NewEntry {
  n += 1;
  return {
    kind: "invoice",
    actingUser: "jdoe",
    owner: { kind: "user", id: "jdoe" },
    senderEmail: "jdoe@acme.test",
    messageId: `<test-${n}-${randomBytes(4).toString("hex")}@acme.test>`,
    message: { to: ["a@customer.test"], subject: `S${n}`, text: "T" },
    attachments: [],
    route: { sender: "user" },
    dueAt: 0,
    ...over,
  };
}

const runner = (id: string, over: Partial<RunnerId> = {}): RunnerId => ({ id, host: hostname(), pid: process.pid, ...over });

/** The pid of a process that has exited (and so is certainly not running). */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => c.on("exit", r));
  return c.pid!;
}

describe("QueueStore", () => {
  let tmp: ReturnType<typeof tempDir>;
  let q: QueueStore;
  beforeEach(async () => {
    tmp = tempDir();
    q = await QueueStore.open(tmp.dir);
  });
  afterEach(() => {
    q.close();
    tmp.remove();
  });

  it("keeps an entry with its attachments byte for byte, in a file only the owner can read", () => {
    const bytes = randomBytes(100_000);
    const id = q.add(entry({ attachments: [{ filename: "a.pdf", content: bytes }] }), 1);
    const e = q.get(id)!;
    expect(e).toMatchObject({ state: "queued", attempts: 0, kind: "invoice", owner: { kind: "user", id: "jdoe" } });
    expect(e.attachments).toEqual([{ filename: "a.pdf", size: 100_000 }]);
    expect(q.attachmentsOf(id)[0]?.content.equals(bytes)).toBe(true);
    expect(statSync(join(tmp.dir, "queue.db")).mode & 0o777).toBe(0o600);
  });

  it("claims due entries only, oldest first, each once", () => {
    const a = q.add(entry({ dueAt: 10 }), 0);
    const b = q.add(entry({ dueAt: 5 }), 0);
    q.add(entry({ dueAt: 1000 }), 0);
    const r = runner("r1");
    expect(q.claim(r, 100, 60_000, 5).map((e) => e.id)).toEqual([b, a]);
    expect(q.claim(r, 100, 60_000, 5)).toEqual([]);
    expect(q.get(a)).toMatchObject({ state: "sending", attempts: 1, lease: { runner: "r1", pid: process.pid } });
  });

  it("two connections to the same file never claim the same entry", async () => {
    for (let i = 0; i < 200; i++) q.add(entry(), 0);
    const other = await QueueStore.open(tmp.dir);
    try {
      const got: number[] = [];
      for (let i = 0; i < 150; i++) {
        got.push(...q.claim(runner("r1"), 1, 60_000, 1).map((e) => e.id));
        got.push(...other.claim(runner("r2"), 1, 60_000, 2).map((e) => e.id));
      }
      expect(got).toHaveLength(200);
      expect(new Set(got).size).toBe(200);
    } finally {
      other.close();
    }
  });

  it("reclaims at once an entry whose runner on this host has exited", async () => {
    const id = q.add(entry(), 0);
    const pid = await deadPid();
    q.claim(runner("dead", { pid }), 1, 3_600_000);
    const back = q.reclaim(runner("me"), 2);
    expect(back.map((e) => e.id)).toEqual([id]);
    const e = q.get(id)!;
    expect(e.state).toBe("queued");
    expect(e.lastError?.message).toContain(e.messageId);
  });

  it("leaves alone an entry whose runner on this host is alive", () => {
    const id = q.add(entry(), 0);
    q.claim(runner("alive", { pid: process.ppid }), 1, 3_600_000);
    expect(q.reclaim(runner("me"), 2)).toEqual([]);
    expect(q.get(id)?.state).toBe("sending");
  });

  it("an entry of a runner on another host comes back only when its lease has expired", () => {
    const id = q.add(entry(), 0);
    q.claim(runner("far", { host: "other-host.example", pid: 1 }), 1000, 60_000);
    expect(q.reclaim(runner("me"), 30_000)).toEqual([]);
    expect(q.reclaim(runner("me"), 61_001).map((e) => e.id)).toEqual([id]);
  });

  it("renewed leases keep a slow send from being reclaimed", () => {
    const id = q.add(entry(), 0);
    const far = runner("far", { host: "other-host.example", pid: 1 });
    q.claim(far, 1000, 60_000);
    q.renewLeases(far, 200_000);
    expect(q.reclaim(runner("me"), 100_000)).toEqual([]);
    expect(q.get(id)?.state).toBe("sending");
  });

  it("a send recorded after the entry was reclaimed still counts: it is not sent again", async () => {
    const id = q.add(entry(), 0);
    q.claim(runner("slow", { pid: await deadPid() }), 1, 60_000);
    q.reclaim(runner("me"), 2);
    expect(q.markSent(id, 3, "250 ok")).toBe(true);
    expect(q.claim(runner("me"), 4, 60_000)).toEqual([]);
    expect(q.get(id)?.state).toBe("sent");
  });

  it("a failure goes back to the queue with a due time, or stops as failed", () => {
    const a = q.add(entry(), 0);
    const b = q.add(entry(), 0);
    const r = runner("r");
    q.claim(r, 1, 60_000, 2);
    const err = { category: "server", message: "x", transient: true, at: "t" };
    q.markFailed(r, a, err, 5000);
    q.markFailed(r, b, { ...err, transient: false }, undefined);
    expect(q.get(a)).toMatchObject({ state: "queued", dueAt: 5000, lastError: { category: "server" } });
    expect(q.get(b)?.state).toBe("failed");
    expect(q.claim(r, 4999, 60_000)).toEqual([]);
    expect(q.claim(r, 5000, 60_000).map((e) => e.id)).toEqual([a]);
  });

  it("requeue, remove and purge", () => {
    const a = q.add(entry(), 0);
    const b = q.add(entry(), 0);
    const r = runner("r");
    q.claim(r, 1, 60_000, 2);
    q.markSent(a, 2, "250");
    q.markFailed(r, b, { category: "rejected", message: "no", transient: false, at: "t" }, undefined);
    expect(q.requeue(a, 3)).toBe(false); // sent stays sent
    expect(q.requeue(b, 3)).toBe(true);
    expect(q.get(b)).toMatchObject({ state: "queued", attempts: 0, dueAt: 3 });
    expect(q.purge(["sent"])).toBe(1);
    expect(q.get(a)).toBeUndefined();
    expect(q.remove(b)).toBe(true);
    expect(q.counts()).toEqual({ queued: 0, sending: 0, sent: 0, failed: 0, uncertain: 0, corrupt: 0 });
  });
});
