/**
 * The built CLI as users run it: `node bin/mailcfg.js` in a child process. The bundle is
 * rebuilt first when it is missing or older than the sources.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { cleanupTempDirs, run, tempDir } from "../helpers/smtp-rig.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "mailcfg.js");
const TRACE = join(ROOT, "test", "helpers", "trace-imports.mjs");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  const bundle = join(ROOT, "dist", "cli.js");
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(join(ROOT, "src"))) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
  }
}, 60_000);
afterAll(() => cleanupTempDirs());

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

function mailcfg(args: string[], opts: { env?: Record<string, string>; input?: string; nodeArgs?: string[] } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: tempDir(), MAILCFG_CONFIG_DIR: tempDir(), MAILCFG_SECRET_STORE: "file", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
    child.stdin.end(opts.input ?? "");
  });
}

/** dist/cli.js and the chunks it imports statically: what any run loads anyway. */
function startupFiles(): Set<string> {
  const files = new Set<string>();
  const visit = (name: string) => {
    if (files.has(name)) return;
    files.add(name);
    const text = readFileSync(join(ROOT, "dist", name), "utf8");
    for (const m of text.matchAll(/^import\s*(?:[^;"]*?from\s*)?"\.\/([^"]+)"/gm)) if (m[1]) visit(m[1]);
  };
  visit("cli.js");
  return files;
}

/** What a run of mailcfg loaded: npm packages by name, and our own dist files. */
async function modulesLoaded(args: string[]): Promise<{ ran: Ran; packages: Set<string>; dist: Set<string> }> {
  const traceFile = join(tempDir(), "trace.txt");
  const ran = await mailcfg(args, { env: { MAILCFG_TRACE_FILE: traceFile }, nodeArgs: ["--import", TRACE] });
  const urls = existsSync(traceFile) ? readFileSync(traceFile, "utf8").split("\n") : [];
  const packages = new Set<string>();
  const dist = new Set<string>();
  for (const u of urls) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1];
    if (pkg) packages.add(pkg);
    const own = /\/dist\/([^/]+\.js)$/.exec(u)?.[1];
    if (own) dist.add(own);
  }
  expect(dist.has("cli.js"), "the trace hook saw the CLI load").toBe(true);
  return { ran, packages, dist };
}

const SENDING = ["nodemailer", "smtp-server", "node-forge", "@googleapis/gmail", "googleapis", "google-auth-library", "ews-javascript-api", "better-sqlite3"];

describe("start-up stays lean", () => {
  it("--help loads no npm package from node_modules and none of the lazily imported chunks", async () => {
    const { ran, packages, dist } = await modulesLoaded(["--help"]);
    expect(ran.code).toBe(0);
    expect(ran.out).toMatch(/^Usage: mailcfg/);
    // commander and chalk are bundled; conf/ajv, nodemailer and the rest are dynamic imports.
    expect([...packages]).toEqual([]);
    expect([...dist].filter((f) => !startupFiles().has(f))).toEqual([]);
    // Nor is any heavy package bundled into those start-up files (esbuild names each
    // bundled file's origin in a comment).
    for (const f of startupFiles()) {
      const bundled = readFileSync(join(ROOT, "dist", f), "utf8").matchAll(/^\/\/ .*node_modules\/((?:@[^/]+\/)?[^/]+)\//gm);
      const names = new Set([...bundled].map((m) => m[1]));
      expect([...names].filter((n) => n !== "commander" && n !== "chalk"), f).toEqual([]);
    }
  });

  it("status reads the config but loads nothing that sends mail", async () => {
    const { ran, packages, dist } = await modulesLoaded(["status", "--json"]);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.out)).toMatchObject({ ok: true, profiles: [] });
    for (const p of SENDING) expect(packages.has(p), `status loaded ${p}`).toBe(false);
    expect([...dist].filter((f) => /^(smtp|server|throwaway-ca)-/.test(f))).toEqual([]);
  });
});

describe("the built command", () => {
  it("--version matches package.json", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const r = await mailcfg(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  });

  it("sets the process exit code: usage 2", async () => {
    const r = await mailcfg(["status", "--bogus", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { category: "usage" } });
  });

  it("sandbox --json: prints its connection details, receives a validated test mail, stores it, stops on SIGTERM", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, "sandbox", "--json", "--port", "0", "--dir", dir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", MAILCFG_CONFIG_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, string | number>;
      const ready = await next();
      expect(ready).toMatchObject({ event: "ready", host: "127.0.0.1", security: "starttls" });
      expect(readFileSync(String(ready.caFile), "utf8")).toMatch(/BEGIN CERTIFICATE/);

      // Ask the built CLI too, with the password on a real pipe (--password-stdin).
      const flags = ["--host", "127.0.0.1", "--port", String(ready.port), "--email", String(ready.user), "--ca", String(ready.caFile)];
      const v = await mailcfg(["validate", "--type", "webmail", ...flags, "--password-stdin", "--json"], { input: `${ready.password}\n` });
      expect(v.code, v.err).toBe(0);
      const message = await next();
      expect(message).toMatchObject({ event: "message", from: ready.user, to: [ready.user] });
      expect(readFileSync(String(message.file), "utf8")).toMatch(/^Subject: mailcfg test mail/m);

      const wrong = await run(["validate", "--type", "webmail", ...flags, "--json"], { env: { MAILCFG_PASSWORD: "fake-wrong-sandbox-password" } });
      expect(wrong.code).toBe(3);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
