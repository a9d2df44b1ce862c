import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import net, { type AddressInfo, type Socket } from "node:net";
import pg from "pg";
import { runCli, tempConfig, type TempConfig } from "../helpers/cli.js";
import { runNode, startNode } from "../helpers/child.js";
import { buildCli, type BuiltCli } from "../helpers/build-cli.js";
import { PG_PASSWORD, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { startRawSmtp, type RawServer } from "../helpers/misbehaving-servers.js";
import { saveWebmail } from "../helpers/profiles.js";
import { COMPANY_EMAIL } from "../helpers/mail-server.js";
import { PgQueue } from "../../src/queue/pg-store.js";

/** The URL without its password, as a user would set it; the password comes from MAILCFG_QUEUE_PASSWORD. */
const bare = (url: string) => url.replace(`:${PG_PASSWORD}@`, "@");

describe("the shared queue on PostgreSQL", () => {
  let server: TestPostgres;
  let tmp: TempConfig;
  let cfg: string;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => server?.stop());
  beforeEach(async () => {
    tmp = tempConfig();
    cfg = join(tmp.dir, "config");
    mkdirSync(cfg);
    url = await server.createDatabase();
  });
  afterEach(() => tmp.remove());

  const env = () => ({ MAILCFG_QUEUE_URL: bare(url), MAILCFG_QUEUE_PASSWORD: PG_PASSWORD });
  const cli = (args: string[], e: Record<string, string> = env()) => runCli(args, { dir: cfg, env: e });
  const add = (e: Record<string, string> = env(), extra: string[] = []) =>
    cli(["queue", "add", "--doc", "user-notification", "--to", "a@customer.test", "--var", "title=Hi", "--var", "message=hello", ...extra, "--json"], e);

  async function sender() {
    const smtp = await startRawSmtp({});
    await saveWebmail(cfg, { kind: "company" }, { host: "127.0.0.1", port: smtp.port, security: "none", email: COMPANY_EMAIL });
    return smtp;
  }

  it("an unreachable server: exit 4 for every queue command, nothing stored anywhere, the password never shown", async () => {
    await sender();
    const down = { MAILCFG_QUEUE_URL: `postgres://mailcfg:${PG_PASSWORD}@127.0.0.1:1/mail`, MAILCFG_CONFIG_DIR: cfg };
    for (const args of [["queue", "list", "--json"], ["queue", "run", "--json"], ["queue", "show", "1", "--json"]]) {
      const r = await cli(args, down);
      expect(r.code, args.join(" ")).toBe(4);
      expect(r.json<{ error: { category: string; message: string } }>().error.message).toMatch(/postgres:\/\/mailcfg:\*\*\*@127\.0\.0\.1:1\/mail cannot be reached/);
      expect(r.stdout + r.stderr).not.toContain(PG_PASSWORD);
    }
    const added = await add(down);
    expect(added.code).toBe(4);
    expect(added.stdout + added.stderr).not.toContain(PG_PASSWORD);
    // Not quietly kept in the local file instead: the caller knows it was not queued.
    expect((await cli(["queue", "list", "--json"], {})).json<{ entries: unknown[] }>().entries).toEqual([]);
  });

  it("a wrong password: exit 3 (auth), the password not shown", async () => {
    const r = await cli(["queue", "list", "--json"], { MAILCFG_QUEUE_URL: bare(url), MAILCFG_QUEUE_PASSWORD: "wrong-fake-password-456" });
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).not.toContain("wrong-fake-password-456");
  });

  it("sslmode is honoured: require against a server without TLS is refused (ssl, exit 5)", async () => {
    const r = await cli(["queue", "list", "--json"], { ...env(), MAILCFG_QUEUE_URL: `${bare(url)}?sslmode=require` });
    expect(r.code).toBe(5);
    const ok = await cli(["queue", "list", "--json"], { ...env(), MAILCFG_QUEUE_URL: `${bare(url)}?sslmode=disable` });
    expect(ok.code, ok.stdout).toBe(0);
  });

  it("a schema from a newer mailcfg is refused with a clear message, nothing changed", async () => {
    const smtp = await sender();
    expect((await add()).code).toBe(0);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("UPDATE mailcfg_queue_schema SET version = 99");
    await c.end();
    const r = await cli(["queue", "list", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(/newer mailcfg \(schema 99/);
    await smtp.close();
  });

  it("the URL in config (no password in it): set, used; one with a password on the command line is refused", async () => {
    const smtp = await sender();
    const refused = await cli(["config", "set", "queue-url", url, "--json"], {});
    expect(refused.code).toBe(2);
    expect(refused.stdout + refused.stderr).not.toContain(PG_PASSWORD);
    expect((await cli(["config", "set", "queue-url", bare(url)], {})).code).toBe(0);
    expect((await add({ MAILCFG_QUEUE_PASSWORD: PG_PASSWORD })).code).toBe(0);
    const q = await PgQueue.open(url, { timeoutMs: 5000 });
    expect((await q.counts()).queued).toBe(1);
    await q.close();
    await smtp.close();
  });

  it("queue migrate --to moves the local entries (attachments, states) and is idempotent by Message-ID", async () => {
    const smtp = await sender();
    const file = join(tmp.dir, "SO-1.txt");
    writeFileSync(file, "order lines");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await add({}, ["--attach", file])).json<{ messageId: string }>().messageId);
    expect((await cli(["queue", "run", "--limit", "1", "--json"], {})).code).toBe(0); // one sent locally first
    const migrate = await cli(["queue", "migrate", "--to", bare(url), "--json"], { MAILCFG_QUEUE_PASSWORD: PG_PASSWORD });
    expect(migrate.code, migrate.stdout).toBe(0);
    expect(migrate.json()).toMatchObject({ moved: 3, alreadyThere: 0 });
    expect(migrate.stdout).not.toContain(PG_PASSWORD);
    expect((await cli(["queue", "list", "--json"], {})).json<{ entries: unknown[] }>().entries).toEqual([]);
    const again = await cli(["queue", "migrate", "--to", bare(url), "--json"], { MAILCFG_QUEUE_PASSWORD: PG_PASSWORD });
    expect(again.json()).toMatchObject({ moved: 0 });

    const shared = (await cli(["queue", "list", "--json"])).json<{ entries: Array<{ state: string; messageId: string; attachments: unknown[] }> }>().entries;
    expect(shared.map((e) => e.messageId).sort()).toEqual([...ids].sort());
    expect(shared.map((e) => e.state).sort()).toEqual(["queued", "queued", "sent"]);
    expect(shared[0]?.attachments).toEqual([{ filename: "SO-1.txt", size: 11 }]);
    expect((await cli(["queue", "run", "--json"])).json()).toMatchObject({ sent: 2 });
    expect(new Set(smtp.messages).size).toBe(3);
    expect(smtp.messages).toHaveLength(3);
    await smtp.close();
  });

  it("--to with a password in it is refused (argv is visible to other users)", async () => {
    const r = await cli(["queue", "migrate", "--to", url, "--json"], {});
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(PG_PASSWORD);
  });
});

describe("three queue run processes on one PostgreSQL queue, one killed", () => {
  let server: TestPostgres;
  let cli: BuiltCli;
  let smtp: RawServer;
  let tmp: TempConfig;
  beforeAll(async () => {
    [server, cli] = await Promise.all([startPostgres(), buildCli()]);
    tmp = tempConfig();
  }, 60_000);
  afterAll(async () => {
    await smtp?.close();
    cli?.remove();
    tmp?.remove();
    await server?.stop();
  });

  it("1000 entries: each sent exactly once or (killed past its final dot) uncertain; none lost; the killed runner's entries taken over within the lease", async () => {
    const url = await server.createDatabase();
    smtp = await startRawSmtp({});
    const cfg = join(tmp.dir, "config");
    mkdirSync(cfg);
    await saveWebmail(cfg, { kind: "company" }, { host: "127.0.0.1", port: smtp.port, security: "none", email: COMPANY_EMAIL });
    const q = await PgQueue.open(url, { timeoutMs: 5000 });
    const all = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const messageId = `<${randomUUID()}@acme.test>`;
      all.add(messageId);
      await q.add(
        {
          kind: "user-notification", actingUser: null, owner: { kind: "company" }, senderEmail: COMPANY_EMAIL, messageId,
          message: { to: [`user${i}@acme.test`], subject: `Message ${i}`, text: `Body ${i}\n` }, attachments: [], route: {}, dueAt: 0,
        },
        Date.now(),
      );
    }
    const leaseSeconds = 3;
    const env = { MAILCFG_CONFIG_DIR: cfg, MAILCFG_SECRET_STORE: "file", MAILCFG_QUEUE_URL: url, MAILCFG_QUEUE_LEASE_SECONDS: String(leaseSeconds) };
    const args = ["queue", "run", "--concurrency", "4", "--wait", "--json"];
    // The victim says it runs on another host: its entries come back by lease expiry alone.
    const victim = startNode([cli.entry, ...args], { env: { ...env, MAILCFG_QUEUE_RUNNER_HOST: "other-host.example" } });
    const others = [runNode([cli.entry, ...args], { env }), runNode([cli.entry, ...args], { env })];
    while (smtp.messages.length < 150) await new Promise((r) => setTimeout(r, 2));
    const claimedByVictim = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const r = await c.query("SELECT count(*)::int AS n FROM mailcfg_queue_entries WHERE state = 'sending' AND lease_host = 'other-host.example'");
      await c.end();
      return (r.rows[0] as { n: number }).n;
    };
    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect((await victim.done).signal).toBe("SIGKILL");
    const stranded = await claimedByVictim();
    expect(stranded).toBeGreaterThan(0); // it died holding claims
    // Taken back only once the lease ran out, and then within a second or so.
    while ((await claimedByVictim()) > 0) await new Promise((r) => setTimeout(r, 50));
    const recoveredMs = Date.now() - killedAt;
    expect(recoveredMs).toBeGreaterThan(leaseSeconds * 1000 - 1500);
    expect(recoveredMs).toBeLessThan(leaseSeconds * 1000 + 2000);
    const results = await Promise.all(others);
    const finishedAt = Date.now();
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const counts = await q.counts();
    const uncertain = (await q.list("uncertain")).map((e) => e.messageId);
    await q.close();
    const received = smtp.messages;
    // Nothing sent twice, nothing lost: every entry is sent, or uncertain (the killed runner
    // was past its final dot), and nothing is left queued or claimed.
    expect(received.length).toBe(new Set(received).size);
    expect(new Set([...received, ...uncertain])).toEqual(all);
    expect(counts).toMatchObject({ queued: 0, sending: 0, failed: 0, corrupt: 0 });
    expect(counts.sent + counts.uncertain).toBe(1000);
    expect(counts.uncertain).toBeLessThanOrEqual(4); // at most the killed runner's messages in flight
    expect(finishedAt - killedAt).toBeLessThan(leaseSeconds * 1000 + 15_000);
    console.log(
      `kill test: received ${received.length} distinct, uncertain ${counts.uncertain}, ${stranded} claims stranded, recovered ${recoveredMs} ms after the kill (lease ${leaseSeconds} s), finished ${finishedAt - killedAt} ms after it`,
    );
  }, 120_000);
});

describe("the shared queue when PostgreSQL goes away mid-run", () => {
  let server: TestPostgres;
  let tmp: TempConfig;
  beforeAll(async () => {
    server = await startPostgres();
    tmp = tempConfig();
  });
  afterAll(async () => {
    tmp?.remove();
    await server?.stop();
  });

  /** A TCP relay to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
  async function relay(port: number) {
    const sockets = new Set<Socket>();
    const srv = net.createServer((client) => {
      const up = net.connect(port, "127.0.0.1");
      for (const s of [client, up]) {
        sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => sockets.delete(s));
      }
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const own = (srv.address() as AddressInfo).port;
    return {
      port: own,
      cut: () => new Promise<void>((r) => {
        srv.close(() => r());
        for (const s of sockets) s.destroy();
      }),
      restore: () => new Promise<void>((r) => srv.listen(own, "127.0.0.1", r)),
      close: () => new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
    };
  }

  it("the run stops with exit 4; nothing is lost or sent twice; the next run finishes the queue", async () => {
    const url = await server.createDatabase();
    const proxy = await relay(server.port);
    const smtp = await startRawSmtp({ afterDot: () => 20 });
    try {
      const cfg = join(tmp.dir, "config");
      mkdirSync(cfg);
      await saveWebmail(cfg, { kind: "company" }, { host: "127.0.0.1", port: smtp.port, security: "none", email: COMPANY_EMAIL });
      const direct = await PgQueue.open(url, { timeoutMs: 5000 });
      for (let i = 0; i < 100; i++) {
        await direct.add(
          {
            kind: "user-notification", actingUser: null, owner: { kind: "company" }, senderEmail: COMPANY_EMAIL, messageId: `<${randomUUID()}@acme.test>`,
            message: { to: [`u${i}@acme.test`], subject: `M${i}`, text: "B\n" }, attachments: [], route: {}, dueAt: 0,
          },
          Date.now(),
        );
      }
      const viaProxy = url.replace(`:${server.port}/`, `:${proxy.port}/`);
      const env = { MAILCFG_QUEUE_URL: viaProxy, MAILCFG_QUEUE_LEASE_SECONDS: "1" };
      await setConnectTimeout(cfg);
      const running = runCli(["queue", "run", "--concurrency", "2", "--json"], { dir: cfg, env });
      while (smtp.messages.length < 10) await new Promise((r) => setTimeout(r, 5));
      const cutAt = Date.now();
      await proxy.cut();
      const stopped = await running;
      expect(stopped.code, stopped.stdout).toBe(4);
      expect(Date.now() - cutAt).toBeLessThan(5000);
      expect(stopped.stdout).not.toContain(PG_PASSWORD);

      const mid = await direct.counts();
      expect(mid.queued + mid.sending + mid.sent + mid.uncertain).toBe(100);
      expect(mid.failed).toBe(0);

      await proxy.restore();
      await new Promise((r) => setTimeout(r, 1200)); // the dead run's leases run out
      const again = await runCli(["queue", "run", "--wait", "--json"], { dir: cfg, env });
      expect(again.code, again.stdout).toBe(0);
      const end = await direct.counts();
      await direct.close();
      expect(end).toMatchObject({ queued: 0, sending: 0, failed: 0 });
      expect(end.sent + end.uncertain).toBe(100);
      expect(smtp.messages.length).toBe(new Set(smtp.messages).size); // nothing twice
      expect(new Set(smtp.messages).size).toBeGreaterThanOrEqual(100 - end.uncertain);
    } finally {
      await proxy.close();
      await smtp.close();
    }
  }, 60_000);
});

async function setConnectTimeout(cfg: string): Promise<void> {
  const r = await runCli(["config", "set", "connect-timeout-seconds", "2"], { dir: cfg });
  expect(r.code).toBe(0);
}

describe("statements PostgreSQL ends in a deadlock", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => server?.stop());

  it("are run again: a transaction chosen as the deadlock's victim still completes, once", async () => {
    const { PgDb } = await import("../../src/queue/pg-db.js");
    const url = await server.createDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await pool.query("CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL); INSERT INTO t VALUES (1, 0), (2, 0); SET deadlock_timeout = '100ms'");
      const db = new PgDb(pool, "the test database", []);
      let tries = 0;
      // The other session takes row 1; our transaction takes row 2, then waits for row 1;
      // the other then asks for row 2: each waits on the other, and ours waited first.
      await other.query("BEGIN");
      await other.query("UPDATE t SET n = n + 10 WHERE id = 1");
      const ours = db.tx(async (c) => {
        tries++;
        await c.query("SET LOCAL deadlock_timeout = '100ms'");
        await c.query("UPDATE t SET n = n + 1 WHERE id = 2");
        await c.query("UPDATE t SET n = n + 1 WHERE id = 1");
      });
      await new Promise((r) => setTimeout(r, 50));
      const theirs = other.query("UPDATE t SET n = n + 10 WHERE id = 2").then(() => other.query("COMMIT"));
      await Promise.all([ours, theirs]);
      expect(tries).toBe(2);
      const rows = (await pool.query<{ id: number; n: number }>("SELECT id, n FROM t ORDER BY id")).rows;
      expect(rows).toEqual([{ id: 1, n: 11 }, { id: 2, n: 11 }]);
    } finally {
      await other.end();
      await pool.end();
    }
  }, 30_000);
});
