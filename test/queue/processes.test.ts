import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { QueueStore } from "../../src/queue/store.js";
import { runCli, tempConfig, type TempConfig } from "../helpers/cli.js";
import { runNode, startNode } from "../helpers/child.js";
import { buildCli, type BuiltCli } from "../helpers/build-cli.js";
import { COMPANY_EMAIL, saveSenders, startScriptedServer, type ScriptedServer } from "../helpers/mail-server.js";
import { startRawSmtp } from "../helpers/misbehaving-servers.js";
import { saveWebmail } from "../helpers/profiles.js";

/** Queues n messages from the Company Email, as `queue add` stores them. */
async function fill(configDir: string, n: number): Promise<string[]> {
  const q = await QueueStore.open(configDir);
  const ids: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const messageId = `<${randomUUID()}@acme.test>`;
      ids.push(messageId);
      q.add(
        {
          kind: "user-notification",
          actingUser: null,
          owner: { kind: "company" },
          senderEmail: COMPANY_EMAIL,
          messageId,
          message: { to: [`user${i}@acme.test`], subject: `Message ${i}`, text: `Body ${i}\n` },
          attachments: [],
          route: { sender: "company" },
          dueAt: 0,
        },
        Date.now(),
      );
    }
  } finally {
    q.close();
  }
  return ids;
}

async function states(configDir: string) {
  const q = await QueueStore.open(configDir);
  try {
    return q.counts();
  } finally {
    q.close();
  }
}

describe("queue run in separate processes", () => {
  let cli: BuiltCli;
  let tmp: TempConfig;
  let cfg: string;
  let server: ScriptedServer;
  let ca: string;
  beforeAll(async () => {
    cli = await buildCli();
  }, 60_000);
  afterAll(() => cli?.remove());
  beforeEach(() => {
    tmp = tempConfig();
    cfg = join(tmp.dir, "config");
    mkdirSync(cfg);
  });
  afterEach(async () => {
    await server?.close();
    tmp.remove();
  });
  const env = () => ({ MAILCFG_CONFIG_DIR: cfg, MAILCFG_SECRET_STORE: "file" });

  it("two runners at once send every entry exactly once", async () => {
    server = await startScriptedServer({ delayMs: 5 });
    ca = await saveSenders(cfg, server.port, false);
    const ids = await fill(cfg, 80);
    const args = ["queue", "run", "--ca", ca, "--concurrency", "3", "--json"];
    const [a, b] = await Promise.all([runNode([cli.entry, ...args], { env: env() }), runNode([cli.entry, ...args], { env: env() })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const sentA = (JSON.parse(a.stdout) as { sent: number }).sent;
    const sentB = (JSON.parse(b.stdout) as { sent: number }).sent;
    expect(sentA + sentB).toBe(80);
    expect(server.accepted).toHaveLength(80);
    expect(new Set(server.accepted.map((m) => m.messageId))).toEqual(new Set(ids));
    expect(await states(cfg)).toEqual({ queued: 0, sending: 0, sent: 80, failed: 0, uncertain: 0, corrupt: 0 });
  }, 60_000);

  it("a runner killed mid-run loses nothing and sends nothing twice: entries it had not started are sent by the next run, ones past the final dot are uncertain", async () => {
    server = await startScriptedServer({ delayMs: 60 });
    ca = await saveSenders(cfg, server.port, false);
    const ids = await fill(cfg, 40);
    const { child, done } = startNode([cli.entry, "queue", "run", "--ca", ca, "--concurrency", "4", "--json"], { env: env() });
    while (server.accepted.length < 8) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");

    const atKill = await states(cfg);
    expect(atKill.queued + atKill.sending + atKill.sent).toBe(40);
    expect(atKill.sending).toBeGreaterThan(0); // it really died mid-send
    expect(atKill.sending).toBeLessThanOrEqual(8); // 4 in flight, and at most 4 claimed for next

    // The lease is minutes long; the dead process on this host is what frees its entries.
    const started = Date.now();
    const r = await runCli(["queue", "run", "--ca", ca, "--concurrency", "4", "--json"], { dir: cfg });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const after = await states(cfg);
    expect(after).toMatchObject({ queued: 0, sending: 0, failed: 0, corrupt: 0 });
    expect(after.sent + after.uncertain).toBe(40);
    // Only entries in flight at the kill (their body handed over) are uncertain.
    expect(after.uncertain).toBeLessThanOrEqual(atKill.sending);

    // None arrived twice, and every one arrived but, at most, the uncertain ones: an entry
    // killed between its body mark and its final dot is uncertain without having arrived.
    const received = server.accepted.map((m) => m.messageId);
    expect(received).toHaveLength(new Set(received).size);
    const listed = await runCli(["queue", "list", "--state", "uncertain", "--json"], { dir: cfg });
    const uncertain = listed.json<{ entries: Array<{ messageId: string }> }>().entries.map((e) => e.messageId);
    expect(uncertain).toHaveLength(after.uncertain);
    expect(ids.filter((id) => !received.includes(id)).every((id) => uncertain.includes(id))).toBe(true);
    expect(received.length).toBeGreaterThanOrEqual(40 - after.uncertain);
  }, 60_000);
  it("SIGTERM stops claiming, lets the messages in flight finish, hands the rest back, exit 130", async () => {
    server = await startScriptedServer({ delayMs: 40 });
    ca = await saveSenders(cfg, server.port, false);
    const ids = await fill(cfg, 30);
    const { child, done } = startNode([cli.entry, "queue", "run", "--ca", ca, "--concurrency", "3", "--json"], { env: env() });
    while (server.accepted.length < 5) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGTERM");
    const stopped = await done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ ok: false, stopped: true });
    const after = await states(cfg);
    expect(after.sending).toBe(0);
    expect(after.sent).toBeLessThan(30);
    const r = await runCli(["queue", "run", "--ca", ca, "--json"], { dir: cfg });
    expect(r.code).toBe(0);
    // A clean stop records every result: nothing arrives twice.
    expect(server.accepted.map((m) => m.messageId).sort()).toEqual([...ids].sort());
  }, 60_000);

  it("Ctrl-C (SIGINT) with a send stalled at a silent server: exit 130 within the timeout, that entry queued again, the rest untouched", async () => {
    const silent = await startRawSmtp({ silentData: true });
    try {
      await saveWebmail(cfg, { kind: "company" }, { host: "127.0.0.1", port: silent.port, security: "none", email: COMPANY_EMAIL });
      await fill(cfg, 3);
      const { child, done } = startNode([cli.entry, "queue", "run", "--concurrency", "1", "--timeout", "2", "--json"], { env: env() });
      while (!silent.received.includes("DATA")) await new Promise((r) => setTimeout(r, 5));
      const signalled = Date.now();
      child.kill("SIGINT");
      const stopped = await done;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(Date.now() - signalled).toBeLessThan(3000);
      expect(JSON.parse(stopped.stdout)).toMatchObject({ stopped: true, claimed: 1, uncertain: 0 });
      expect(await states(cfg)).toMatchObject({ queued: 3, sending: 0, uncertain: 0 });
    } finally {
      await silent.close();
    }
  }, 30_000);

  it("Ctrl-C with a send stalled after its final dot: exit 130, that entry uncertain", async () => {
    const silent = await startRawSmtp({ afterDot: () => "silent" });
    try {
      await saveWebmail(cfg, { kind: "company" }, { host: "127.0.0.1", port: silent.port, security: "none", email: COMPANY_EMAIL });
      await fill(cfg, 3);
      const { child, done } = startNode([cli.entry, "queue", "run", "--concurrency", "1", "--timeout", "2", "--json"], { env: env() });
      while (silent.messages.length === 0) await new Promise((r) => setTimeout(r, 5));
      child.kill("SIGINT");
      const stopped = await done;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(await states(cfg)).toMatchObject({ queued: 2, sending: 0, uncertain: 1 });
    } finally {
      await silent.close();
    }
  }, 30_000);
});
