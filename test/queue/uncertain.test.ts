import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queueBackends, useQueueFolder } from "../helpers/queue-backends.js";
import { runCli, tempConfig, type TempConfig } from "../helpers/cli.js";
import { saveWebmail } from "../helpers/profiles.js";
import { startRawSmtp, type RawServer, type RawServerOptions } from "../helpers/misbehaving-servers.js";
import { COMPANY_EMAIL } from "../helpers/mail-server.js";

interface EntryJson {
  id: number;
  state: string;
  messageId: string;
  attempts: number;
  lastError: { category: string; message: string; hint?: string; transient: boolean; maybeDelivered?: boolean } | null;
}

/**
 * The rule of design.md 6c against servers that misbehave around the final "." of DATA:
 * a failure before it is retried, one after it leaves the entry uncertain, sent once.
 */
describe.each(queueBackends())("queue ($name): may the message have reached the server?", (backend) => {
  const folder = useQueueFolder(backend);
  let server: RawServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  // A plain-text server on 127.0.0.1 without AUTH: the conversation under test is DATA.
  async function world(o: Omit<RawServerOptions, "tls" | "starttls" | "users">) {
    server = await startRawSmtp(o);
    await saveWebmail(folder.cfg, { kind: "company" }, { host: "127.0.0.1", port: server.port, security: "none", email: COMPANY_EMAIL });
  }
  const cli = (args: string[]) => runCli(args, { dir: folder.cfg, env: folder.h.env });
  const add = async (n = 1) => {
    const ids: Array<{ id: number; messageId: string }> = [];
    for (let i = 0; i < n; i++) {
      const r = await cli(["queue", "add", "--doc", "user-notification", "--to", `user${i}@acme.test`, "--var", "title=Hello", "--var", "message=hello", "--json"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      ids.push(r.json<{ id: number; messageId: string }>());
    }
    return ids;
  };
  const show = async (id: number) => (await cli(["queue", "show", String(id), "--json"])).json<{ entry: EntryJson }>().entry;
  const timed = async (args: string[]) => {
    const started = Date.now();
    const r = await cli(["queue", "run", ...args, "--json"]);
    return { ...r, ms: Date.now() - started };
  };

  it("a connection dropped after the final dot: delivered once, the entry uncertain, never resent by itself", async () => {
    await world({ afterDot: (n) => (n === 1 ? "drop" : "ok") });
    const [e] = await add();
    const r = await timed(["--timeout", "5"]);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.json<{ uncertain: number }>().uncertain).toBe(1);
    expect(server!.messages).toEqual([e!.messageId]);
    const entry = await show(e!.id);
    expect(entry.state).toBe("uncertain");
    expect(entry.lastError).toMatchObject({ maybeDelivered: true, transient: false });
    expect(entry.lastError?.hint).toMatch(new RegExp(`queue retry ${e!.id} --yes`));

    // Later runs, with or without --wait, leave it alone.
    expect((await timed(["--wait", "--timeout", "5"])).code).toBe(0);
    expect(server!.messages).toHaveLength(1);

    // queue list says why.
    const list = await cli(["queue", "list"]);
    expect(list.stdout).toMatch(/uncertain\s.*May have been delivered/);
    expect((await cli(["queue", "list", "--state", "uncertain", "--json"])).json<{ entries: unknown[] }>().entries).toHaveLength(1);
  });

  it("queue retry of an uncertain entry needs --yes; then it is sent again", async () => {
    await world({ afterDot: (n) => (n === 1 ? "drop" : "ok") });
    const [e] = await add();
    await timed(["--timeout", "5"]);
    const refused = await cli(["queue", "retry", String(e!.id), "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.json<{ error: { message: string; hint: string } }>().error.hint).toMatch(/--yes/);
    expect((await show(e!.id)).state).toBe("uncertain");

    expect((await cli(["queue", "retry", String(e!.id), "--yes"])).code).toBe(0);
    expect((await timed(["--timeout", "5"])).code).toBe(0);
    expect((await show(e!.id)).state).toBe("sent");
    expect(server!.messages).toEqual([e!.messageId, e!.messageId]); // asked for: the second copy
  });

  it("with queue-resend-uncertain yes, such an entry is retried like any transient failure", async () => {
    await world({ afterDot: (n) => (n === 1 ? "drop" : "ok") });
    expect((await cli(["config", "set", "queue-resend-uncertain", "yes"])).code).toBe(0);
    expect((await cli(["config", "set", "queue-retry-seconds", "0.1"])).code).toBe(0);
    const [e] = await add();
    const r = await timed(["--wait", "--timeout", "5"]);
    expect(r.json<{ sent: number; retrying: number; uncertain: number }>()).toMatchObject({ sent: 1, retrying: 1, uncertain: 0 });
    expect(server!.messages).toEqual([e!.messageId, e!.messageId]); // allowed: the second copy
  });

  it("an answer to the final dot that comes after the timeout: uncertain, within the timeout plus a second", async () => {
    await world({ afterDot: () => 2500 });
    const [e] = await add();
    const r = await timed(["--timeout", "1"]);
    expect(r.ms).toBeLessThan(2000);
    expect((await show(e!.id)).state).toBe("uncertain");
    expect(server!.messages).toHaveLength(1);
  });

  it("a server silent after the final dot: uncertain, within the timeout plus a second", async () => {
    await world({ afterDot: () => "silent" });
    const [e] = await add();
    const r = await timed(["--timeout", "1"]);
    expect(r.ms).toBeLessThan(2000);
    expect((await show(e!.id)).state).toBe("uncertain");
  });

  it("a server that stalls after DATA (before the body): safe to retry, within the timeout plus a second", async () => {
    await world({ silentData: true });
    const [e] = await add();
    const r = await timed(["--timeout", "1"]);
    expect(r.ms).toBeLessThan(2000);
    const entry = await show(e!.id);
    expect(entry.state).toBe("queued");
    expect(entry.lastError).toMatchObject({ transient: true });
    expect(entry.lastError?.maybeDelivered).toBeUndefined();
    expect(server!.messages).toHaveLength(0);
  });

  it("a silent server (no greeting): ends within the timeout plus a second, the entry queued again", async () => {
    await world({ greeting: null });
    const [e] = await add();
    const r = await timed(["--timeout", "1"]);
    expect(r.ms).toBeLessThan(2000);
    expect((await show(e!.id)).state).toBe("queued");
  });

  it("a connection lost before DATA (after RCPT) is retried, not uncertain", async () => {
    await world({ closeAfter: "RCPT" });
    const [e] = await add();
    await timed(["--timeout", "5"]);
    const entry = await show(e!.id);
    expect(entry.state).toBe("queued");
    expect(entry.lastError?.transient).toBe(true);
  });

  it("a corrupt row: list, run and remove work; the good entries are sent, none left sending", async () => {
    await world({});
    const [a, b, c] = await add(3);
    await folder.h.setColumn(b!.id, "message", "{oops");

    const list = await cli(["queue", "list"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${b!.id}\\s+corrupt\\s.*cannot be read`, "m"));
    const run = await timed(["--concurrency", "3", "--timeout", "5"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.json<{ sent: number; remaining: Record<string, number> }>()).toMatchObject({ sent: 2, remaining: { sending: 0, corrupt: 1 } });
    expect(server!.messages.sort()).toEqual([a!.messageId, c!.messageId].sort());
    expect((await cli(["queue", "retry", String(b!.id)])).code).toBe(2);
    expect((await cli(["queue", "remove", String(b!.id)])).code).toBe(0);
    expect((await cli(["queue", "list", "--json"])).json<{ entries: EntryJson[] }>().entries.map((e) => e.state)).toEqual(["sent", "sent"]);
  });

  it("--timeout is honoured to the millisecond (0.3 s is not rounded away)", async () => {
    await world({ greeting: null });
    await add();
    const r = await timed(["--timeout", "0.3"]);
    expect(r.ms).toBeLessThan(1300);
    expect(r.ms).toBeGreaterThanOrEqual(250);
  });
});

describe("timeouts are seconds from 0.1 to 600", () => {
  let tmp: TempConfig;
  beforeEach(() => (tmp = tempConfig()));
  afterEach(() => tmp.remove());

  it.each(["0.0001", "0", "-1", "601", "1e9", "abc", ""])("--timeout %j: exit 2 naming the flag", async (value) => {
    const r = await runCli(["queue", "run", "--timeout", value, "--json"], { dir: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(/--timeout must be a number of seconds from 0.1 to 600/);
  });

  it.each(["1e9", "0.01", "0"])("config set connect-timeout-seconds %s: exit 2, nothing saved", async (value) => {
    const r = await runCli(["config", "set", "connect-timeout-seconds", value, "--json"], { dir: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(/connect-timeout-seconds must be a number of seconds from 0.1 to 600/);
    expect((await runCli(["config", "get", "connect-timeout-seconds"], { dir: tmp.dir })).stdout).toMatch(/15/);
  });

  it("accepts 0.1 and 600", async () => {
    expect((await runCli(["config", "set", "connect-timeout-seconds", "0.1"], { dir: tmp.dir })).code).toBe(0);
    expect((await runCli(["config", "set", "connect-timeout-seconds", "600"], { dir: tmp.dir })).code).toBe(0);
  });
});
