import { afterEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { setSetting } from "../helpers/profiles.js";
import { COMPANY_EMAIL, JDOE_EMAIL, saveSenders, startScriptedServer, type ScriptedServer, type ScriptOptions } from "../helpers/mail-server.js";
import { attachmentNamed, parseMime } from "../helpers/mime.js";
import { ConfigStore } from "../../src/config/store.js";
import { EXIT_CODES, type Category } from "../../src/errors.js";
import { queueBackends, useQueueFolder } from "../helpers/queue-backends.js";

interface EntryJson {
  id: number;
  state: string;
  attempts: number;
  messageId: string;
  from: string;
  lastError: { category: string; message: string; evidence?: string; transient: boolean } | null;
}

// The same behaviour whichever queue holds the entries: the file beside the config, or PostgreSQL.
describe.each(queueBackends())("mailcfg queue ($name)", (backend) => {
  const folder = useQueueFolder(backend);
  let server: ScriptedServer | undefined;
  let ca: string;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function world(opts: ScriptOptions = {}, withJdoe = true) {
    server = await startScriptedServer(opts);
    ca = await saveSenders(folder.cfg, server.port, withJdoe);
  }
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { dir: folder.cfg, env: { ...folder.h.env, ...env } });
  const add = async (args: string[]) => {
    const r = await cli(["queue", "add", "--var", "number=SO-1", "--var", "customer=Acme", ...args, "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return r.json<{ id: number; messageId: string }>();
  };
  const show = async (id: number) => (await cli(["queue", "show", String(id), "--json"])).json<{ entry: EntryJson }>().entry;
  const run = (args: string[] = []) => cli(["queue", "run", "--ca", ca, ...args, "--json"]);

  it("add stores the routed message; run sends it with the Message-ID fixed at add time", async () => {
    await world();
    const pdf = join(folder.dir, "SO-1.pdf");
    const bytes = randomBytes(50_000);
    writeFileSync(pdf, bytes);
    const a = await add(["--doc", "sales-order", "--user", "jdoe", "--to", "buyer@customer.test", "--cc", "cc@customer.test", "--attach", pdf]);
    const b = await add(["--doc", "so-allocation-confirmation", "--user", "jdoe", "--to", "buyer@customer.test"]);
    writeFileSync(pdf, "changed after queueing"); // the queue kept the bytes
    expect(server!.accepted).toHaveLength(0);

    const list = (await cli(["queue", "list", "--json"])).json<{ entries: EntryJson[] }>().entries;
    expect(list.map((e) => [e.id, e.state, e.from])).toEqual([
      [a.id, "queued", JDOE_EMAIL],
      [b.id, "queued", COMPANY_EMAIL],
    ]);
    const text = await cli(["queue", "list"]);
    expect(text.stdout).toContain("sales-order");

    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    expect(r.json()).toMatchObject({ sent: 2, failed: 0, retrying: 0, remaining: { queued: 0 } });
    const byId = new Map(server!.accepted.map((m) => [m.messageId, m]));
    expect(byId.get(a.messageId)?.user).toBe(JDOE_EMAIL);
    expect(byId.get(b.messageId)?.user).toBe(COMPANY_EMAIL);
    const mime = parseMime(byId.get(a.messageId)!.raw);
    expect(attachmentNamed(mime, "SO-1.pdf")?.equals(bytes)).toBe(true);
    expect(mime.headers.get("cc")).toBe("cc@customer.test");
    expect((await show(a.id)).state).toBe("sent");
    expect((await ConfigStore.open(folder.cfg)).getProfile({ kind: "user", id: "jdoe" })?.lastUsedAt).toBeDefined();

    // Nothing is sent twice.
    expect((await run()).json()).toMatchObject({ sent: 0, claimed: 0 });
    expect(server!.accepted).toHaveLength(2);
  });

  it("pools connections per sender during a run", async () => {
    await world();
    for (let i = 0; i < 12; i++) await add(["--doc", "quote", "--to", `c${i}@customer.test`]);
    for (let i = 0; i < 6; i++) await add(["--doc", "quote", "--user", "jdoe", "--to", `d${i}@customer.test`]);
    const r = await run(["--concurrency", "2"]);
    expect(r.json()).toMatchObject({ sent: 18 });
    expect(server!.connections()).toBeLessThanOrEqual(4); // at most 2 per sender, not one per message
    expect(server!.accepted.filter((m) => m.user === JDOE_EMAIL)).toHaveLength(6);
  });

  it("add checks its input like send: exit 2, nothing queued", async () => {
    await world();
    const r = await cli(["queue", "add", "--doc", "invoice", "--to", "not-an-address", "--var", "number=1", "--var", "customer=A"]);
    expect(r.code).toBe(2);
    expect((await cli(["queue", "list", "--json"])).json<{ entries: unknown[] }>().entries).toHaveLength(0);
  });

  it("add without a Company Email for a company document: exit 7, nothing queued", async () => {
    const r = await cli(["queue", "add", "--doc", "user-notification", "--to", "a@customer.test", "--var", "title=x", "--var", "message=y"]);
    expect(r.code).toBe(7);
    expect((await cli(["queue", "list", "--json"])).json<{ entries: unknown[] }>().entries).toHaveLength(0);
  });

  it("retries a 4xx reply with backoff until it is accepted", async () => {
    await world({ failData: (_id, attempt) => (attempt <= 2 ? { code: 451, message: "4.3.0 Temporary local problem, try later" } : undefined) });
    await setSetting(folder.cfg, "queue-retry-seconds", 0.05);
    const a = await add(["--doc", "quote", "--to", "b@customer.test"]);
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ sent: 0, retrying: 1 });
    const after1 = await show(a.id);
    expect(after1).toMatchObject({ state: "queued", attempts: 1, lastError: { transient: true } });
    expect(after1.lastError?.evidence).toContain("4.3.0");

    const rest = await run(["--wait"]);
    expect(rest.json()).toMatchObject({ sent: 1, retrying: 1 });
    expect(await show(a.id)).toMatchObject({ state: "sent", attempts: 3 });
    expect(server!.tries.get(a.messageId)).toBe(3);
    expect(server!.accepted.filter((m) => m.messageId === a.messageId)).toHaveLength(1);
  });

  it("a connection refused is retried later, and sent once the server is back", async () => {
    await world();
    const port = server!.port;
    await server!.close();
    server = undefined;
    await setSetting(folder.cfg, "queue-retry-seconds", 0.2);
    const a = await add(["--doc", "quote", "--to", "b@customer.test"]);
    const r = await run(["--timeout", "2"]);
    expect(r.json()).toMatchObject({ sent: 0, retrying: 1 });
    expect((await show(a.id)).lastError).toMatchObject({ category: "server", transient: true });
    server = await startScriptedServer({ port });
    const again = await run(["--wait"]);
    expect(again.json()).toMatchObject({ sent: 1 });
    expect(server.accepted.map((m) => m.messageId)).toEqual([a.messageId]);
  });

  it("stops a permanent failure (5xx) at once with the diagnosis on the entry, exit 6", async () => {
    await world({ failData: () => ({ code: 554, message: "5.7.1 Message rejected as spam" }) });
    const a = await add(["--doc", "quote", "--to", "b@customer.test"]);
    const r = await run(["--wait"]);
    expect(r.code).toBe(6);
    expect(r.json()).toMatchObject({ ok: false, sent: 0, failed: 1, retrying: 0 });
    const e = await show(a.id);
    expect(e).toMatchObject({ state: "failed", attempts: 1, lastError: { category: "rejected", transient: false } });
    expect(e.lastError?.evidence).toContain("5.7.1");
    const text = await cli(["queue", "show", String(a.id)]);
    expect(text.stdout).toContain("mailcfg queue retry");
  });

  it("a wrong password is permanent (auth), not retried", async () => {
    await world();
    const { FileSecretStore } = await import("../../src/config/secrets.js");
    await new FileSecretStore(folder.cfg).set("company/password", "fake-wrong-password-7");
    const a = await add(["--doc", "quote", "--to", "b@customer.test"]);
    const r = await run();
    expect(r.code).toBe(3);
    expect(await show(a.id)).toMatchObject({ state: "failed", attempts: 1, lastError: { category: "auth" } });
    expect(r.stdout).not.toContain("fake-wrong-password-7");
  });

  it("gives up after queue-max-attempts transient failures", async () => {
    await world({ failData: () => ({ code: 421, message: "4.7.0 Try again later" }) });
    await setSetting(folder.cfg, "queue-retry-seconds", 0.02);
    await setSetting(folder.cfg, "queue-max-attempts", 3);
    const a = await add(["--doc", "quote", "--to", "b@customer.test"]);
    const r = await run(["--wait"]);
    const e = await show(a.id);
    expect(e).toMatchObject({ state: "failed", attempts: 3, lastError: { transient: false } });
    expect(r.code).toBe(EXIT_CODES[e.lastError!.category as Category]);
    expect(e.lastError?.message).toContain("Gave up after 3 attempts");
    expect(server!.tries.get(a.messageId)).toBe(3);
  });

  it("retry re-queues a failed entry and routes it again with today's profiles", async () => {
    await world({ failData: (_id, attempt) => (attempt === 1 ? { code: 550, message: "5.1.1 unknown" } : undefined) }, false);
    const a = await add(["--doc", "invoice", "--user", "jdoe", "--to", "b@customer.test", "--var", "number=1", "--var", "customer=A"]);
    expect((await show(a.id)).from).toBe(COMPANY_EMAIL); // jdoe had no User Email: fallback
    await run();
    expect((await show(a.id)).state).toBe("failed");
    await saveSenders(folder.cfg, server!.port, true); // jdoe's User Email is set up now
    const r = await cli(["queue", "retry", String(a.id), "--json"]);
    expect(r.code, r.stdout).toBe(0);
    expect(await show(a.id)).toMatchObject({ state: "queued", attempts: 0, from: JDOE_EMAIL });
    await run();
    expect(server!.accepted.map((m) => [m.messageId, m.user])).toEqual([[a.messageId, JDOE_EMAIL]]);
    expect((await cli(["queue", "retry", String(a.id)])).code).toBe(2); // already sent
  });

  it("remove and purge --sent", async () => {
    await world();
    const a = await add(["--doc", "quote", "--to", "b@customer.test"]);
    const b = await add(["--doc", "quote", "--to", "c@customer.test"]);
    await run(["--limit", "1"]);
    expect((await show(a.id)).state).toBe("sent");
    expect((await show(b.id)).state).toBe("queued");
    expect((await cli(["queue", "purge"])).code).toBe(2);
    expect((await cli(["queue", "purge", "--sent", "--json"])).json()).toMatchObject({ removed: 1 });
    expect((await cli(["queue", "remove", String(b.id), "--json"])).json()).toMatchObject({ removed: b.id });
    expect((await cli(["queue", "show", String(b.id)])).code).toBe(2);
    expect((await cli(["queue", "list", "--json"])).json<{ entries: unknown[] }>().entries).toHaveLength(0);
  });

  it("--limit and --concurrency are checked", async () => {
    expect((await cli(["queue", "run", "--concurrency", "0"])).code).toBe(2);
    expect((await cli(["queue", "run", "--limit", "x"])).code).toBe(2);
    expect((await cli(["queue", "show", "abc"])).code).toBe(2);
  });
});
