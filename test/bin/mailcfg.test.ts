/**
 * The built CLI as users run it: `node bin/mailcfg.js` in a child process. The bundle is
 * rebuilt first when it is missing or older than the sources.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { runCli, tempDir } from "../helpers/cli.js";
import { runNode, startNode, type NodeResult } from "../helpers/child.js";
import { packagesBundledIn, packagesLoaded } from "../helpers/loaded-packages.js";

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

function mailcfg(args: string[], opts: { env?: Record<string, string>; input?: string; nodeArgs?: string[]; noBin?: boolean } = {}): Promise<NodeResult> {
  return runNode([...(opts.nodeArgs ?? []), ...(opts.noBin ? [] : [BIN]), ...args], {
    cwd: ROOT,
    env: { HOME: tempDir(), MAILCFG_CONFIG_DIR: tempDir(), MAILCFG_SECRET_STORE: "file", ...opts.env },
    stdin: opts.input ?? "",
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

/** What a run of mailcfg loaded: npm packages by name (bundled or not), and our own dist files. */
async function modulesLoaded(args: string[]): Promise<{ ran: NodeResult; packages: Set<string>; dist: Set<string> }> {
  const traceFile = join(tempDir(), "trace.txt");
  const ran = await mailcfg(args, { env: { MAILCFG_TRACE_FILE: traceFile }, nodeArgs: ["--import", TRACE] });
  const urls = existsSync(traceFile) ? readFileSync(traceFile, "utf8").split("\n") : [];
  const dist = new Set<string>();
  for (const u of urls) {
    const own = /\/dist\/([^/]+\.js)$/.exec(u)?.[1];
    if (own) dist.add(own);
  }
  return { ran, packages: packagesLoaded(urls), dist };
}

/** The program itself (dist/cli.js) answering, without the bin script's canned texts. */
function program(args: string[]): Promise<NodeResult> {
  const script = `import { main } from ${JSON.stringify(join(ROOT, "dist", "cli.js"))}; process.exitCode = await main(process.argv.slice(1));`;
  return mailcfg(args, { nodeArgs: ["--input-type=module", "-e", script, "--"], noBin: true });
}

const SENDING = ["nodemailer", "smtp-server", "node-forge", "@googleapis/gmail", "googleapis", "google-auth-library", "ews-javascript-api", "better-sqlite3"];

describe("start-up stays lean", () => {
  it("--help, -h, --version and no arguments print the build's texts without loading the program", async () => {
    const canned = JSON.parse(readFileSync(join(ROOT, "dist", "canned-output.json"), "utf8")) as Record<string, unknown>;
    // The build keeps the help only if it fits 80 columns (commander's width off a terminal).
    expect(typeof canned.help, "the top-level help must fit 80 columns; see COMMANDS in src/cli.ts").toBe("string");
    const expectedHelp = await program(["--help"]);
    expect(expectedHelp.stdout).toMatch(/^Usage: mailcfg/);
    for (const args of [["--help"], ["-h"], []]) {
      const { ran, dist, packages } = await modulesLoaded(args);
      expect(ran.code).toBe(0);
      expect(ran.stdout, args.join(" ")).toBe(expectedHelp.stdout);
      expect([...dist]).toEqual([]);
      expect([...packages]).toEqual([]);
    }
    for (const flag of ["--version", "-v", "-V"]) {
      const version = await modulesLoaded([flag]);
      expect(version.ran.stdout, flag).toBe((await program(["--version"])).stdout);
      expect([...version.dist]).toEqual([]);
    }
  });

  it.skipIf(!hasScriptCommand())("on a terminal narrower than 80 columns the program answers, wrapped to fit", () => {
    const onTerminal = (columns: number) =>
      execFileSync("script", ["-qec", `stty cols ${columns} rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --help`, "/dev/null"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", HOME: tempDir(), MAILCFG_CONFIG_DIR: tempDir(), TERM: "dumb", NO_COLOR: "1" },
      }).replace(/\r\n/g, "\n");
    const narrow = onTerminal(60);
    expect(narrow).toMatch(/^Usage: mailcfg/);
    // commander wraps the description to 60 columns; the canned text has a 74-column line.
    expect(narrow).not.toContain("the Company Email and each User Email, over Webmail (SMTP), Exchange (EWS)\n");
    const wide = onTerminal(120);
    const canned = JSON.parse(readFileSync(join(ROOT, "dist", "canned-output.json"), "utf8")) as { help: string };
    expect(wide).toBe(canned.help);
  });

  it("the program's own start (mailcfg help) loads no lazily imported chunk, and only the bundled commander and chalk", async () => {
    const { ran, packages, dist } = await modulesLoaded(["help"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^Usage: mailcfg/);
    expect(dist.has("cli.js"), "the trace hook saw the CLI load").toBe(true);
    expect([...packages].filter((p) => p !== "commander" && p !== "chalk")).toEqual([]);
    expect([...dist].filter((f) => !startupFiles().has(f))).toEqual([]);
    // Nor is any heavy package bundled into those start-up files.
    for (const f of startupFiles()) {
      const names = packagesBundledIn(join(ROOT, "dist", f));
      expect(names.filter((n) => n !== "commander" && n !== "chalk"), f).toEqual([]);
    }
  });

  it("status reads the config but loads nothing that sends mail", async () => {
    const { ran, packages, dist } = await modulesLoaded(["status", "--json"]);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, profiles: [] });
    expect(packages.has("commander"), "the trace sees bundled packages").toBe(true);
    for (const p of SENDING) expect(packages.has(p), `status loaded ${p}`).toBe(false);
    expect([...dist].filter((f) => /^(smtp|server|throwaway-ca)-/.test(f))).toEqual([]);
  });
});

function hasScriptCommand(): boolean {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("the built command", () => {
  it("unbuilt, says in one line to build it first, without a stack trace", async () => {
    const copy = tempDir();
    mkdirSync(join(copy, "bin"));
    for (const f of ["mailcfg.js", "package.json"]) copyFileSync(join(ROOT, "bin", f), join(copy, "bin", f));
    const r = await mailcfg(["status"], { nodeArgs: [join(copy, "bin", "mailcfg.js")], noBin: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: mailcfg could not start: .*Build it first: npm run build\n$/);
  });


  it("--version matches package.json", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const r = await mailcfg(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("sets the process exit code: usage 2", async () => {
    const r = await mailcfg(["status", "--bogus", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { category: "usage" } });
  });

  it("sandbox --json: prints its connection details, receives a validated test mail, stores it, stops on SIGTERM", async () => {
    const dir = tempDir();
    const { child, done } = startNode([BIN, "sandbox", "--json", "--port", "0", "--dir", dir], { cwd: ROOT, env: { MAILCFG_CONFIG_DIR: dir } });
    const exited = done.then((r) => r.code);
    try {
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, string | number>;
      const ready = await next();
      expect(ready).toMatchObject({ event: "ready", host: "127.0.0.1", security: "starttls" });
      expect(readFileSync(String(ready.caFile), "utf8")).toMatch(/BEGIN CERTIFICATE/);

      // Ask the built CLI too, with the password on a real pipe (--password-stdin).
      const flags = ["--host", "127.0.0.1", "--port", String(ready.port), "--email", String(ready.user), "--ca", String(ready.caFile)];
      const v = await mailcfg(["validate", "--type", "webmail", ...flags, "--password-stdin", "--json"], { input: `${ready.password}\n` });
      expect(v.code, v.stderr).toBe(0);
      const message = await next();
      expect(message).toMatchObject({ event: "message", from: ready.user, to: [ready.user] });
      expect(readFileSync(String(message.file), "utf8")).toMatch(/^Subject: mailcfg test mail/m);

      const wrong = await runCli(["validate", "--type", "webmail", ...flags, "--json"], { env: { MAILCFG_PASSWORD: "fake-wrong-sandbox-password" } });
      expect(wrong.code).toBe(3);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
