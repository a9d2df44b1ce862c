import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { startSandbox } from "../../src/commands/sandbox.js";
import type { ReceivedMessage } from "../../src/sandbox/server.js";
import { runCli, tempDir } from "../helpers/cli.js";


describe("demo", () => {
  it("sets up and validates a company and a user against the sandbox, then routes and sends: exit 0, 4 messages received", async () => {
    const r = await runCli(["demo"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Saved the Company Email: sales@demo\.mailcfg\.test/);
    expect(r.stdout).toMatch(/Saved the User Email of jdoe: jdoe@demo\.mailcfg\.test/);
    expect(r.stdout).toMatch(/The sandbox received 4 messages/);
    expect(r.stdout).toMatch(/sales@demo\.mailcfg\.test -> sales@demo\.mailcfg\.test: mailcfg test mail/);
    // A user's sales order goes from the User Email; the automatic ship confirmation from the Company Email.
    expect(r.stdout).toMatch(/jdoe@demo\.mailcfg\.test -> buyer@customer\.test: Sales Order SO-1001/);
    expect(r.stdout).toMatch(/sales@demo\.mailcfg\.test -> buyer@customer\.test: Sales order SO-1001 has shipped/);
    // It works in its own temporary folder, which it removes, and leaves the user's config alone.
    expect(readdirSync(r.dir)).toEqual([]);
    const dir = /config folder (\S+)/.exec(r.stdout)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
  });

  it("--keep --json: one JSON document on stdout; the folder keeps config, 0600 secrets and the .eml files", async () => {
    const r = await runCli(["demo", "--keep", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json() as { ok: boolean; dir: string; kept: boolean; received: Array<{ from: string; to: string[]; file: string }> };
    try {
      expect(doc.ok).toBe(true);
      expect(doc.kept).toBe(true);
      expect(doc.received.map((m) => m.from)).toEqual([
        "sales@demo.mailcfg.test",
        "jdoe@demo.mailcfg.test",
        "jdoe@demo.mailcfg.test",
        "sales@demo.mailcfg.test",
      ]);
      for (const m of doc.received.slice(0, 2)) {
        expect(m.file).toMatch(/\.eml$/);
        expect(readFileSync(m.file, "utf8")).toMatch(/^Subject: mailcfg test mail/m);
      }
      const config = JSON.parse(readFileSync(join(doc.dir, "config", "config.json"), "utf8")) as {
        company: { validation: { ok: boolean } };
        users: Record<string, { validation: { ok: boolean; method: string } }>;
      };
      expect(config.company.validation.ok).toBe(true);
      // The demo's last step re-validated everything with --no-send.
      expect(config.users.jdoe?.validation).toMatchObject({ ok: true, method: "login" });
      expect(statSync(join(doc.dir, "config", "secrets.json")).mode & 0o777).toBe(0o600);
      // The walk-through went to stderr.
      expect(r.stderr).toMatch(/==> mailcfg status/);
    } finally {
      rmSync(doc.dir, { recursive: true, force: true });
    }
  });
});

describe("sandbox", () => {
  it("writes its CA file, accepts its printed login, and stores every message as an .eml file", async () => {
    const dir = tempDir();
    const seen: ReceivedMessage[] = [];
    const sb = await startSandbox({ port: 0, dir }, (m) => seen.push(m));
    try {
      const [[user, password]] = Object.entries(sb.users) as [[string, string]];
      expect(readFileSync(sb.caFile, "utf8")).toMatch(/BEGIN CERTIFICATE/);
      const r = await runCli(
        ["validate", "--type", "webmail", "--host", sb.server.host, "--port", String(sb.server.port), "--email", user, "--ca", sb.caFile],
        { env: { MAILCFG_PASSWORD: password } },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.secure).toBe(true);
      const files = readdirSync(sb.mailDir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      expect(readFileSync(join(sb.mailDir, files[0]!), "utf8")).toMatch(/^From: .*sandbox@mailcfg\.test/m);

      const wrong = await runCli(
        ["validate", "--type", "webmail", "--host", sb.server.host, "--port", String(sb.server.port), "--email", user, "--ca", sb.caFile],
        { env: { MAILCFG_PASSWORD: "fake-not-the-sandbox-password" } },
      );
      expect(wrong.code).toBe(3);
    } finally {
      await sb.server.close();
    }
  });
});

describe("sandbox on a busy port", () => {
  it("exits 4 with 'port N is in use; try --port 0', not an unexpected error", async () => {
    const { createServer } = await import("node:net");
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(["sandbox", "--port", String(port), "--dir", tempDir()]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`port ${port} is in use; try --port 0`);
      expect(r.stderr).not.toMatch(/bug/i);
      const j = await runCli(["sandbox", "--port", String(port), "--dir", tempDir(), "--json"]);
      expect(j.code).toBe(4);
      expect(j.json()).toMatchObject({ ok: false, error: { category: "server", message: `port ${port} is in use; try --port 0` } });
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});
