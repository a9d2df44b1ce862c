import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { runNode } from "../helpers/child.js";
import { useBuiltCli } from "../helpers/build-cli.js";
import { packagesLoaded } from "../helpers/loaded-packages.js";

// The heavy packages `explain` (and diagnose's help) must never load.
const HEAVY = ["nodemailer", "googleapis", "@googleapis/gmail", "google-auth-library", "ews-javascript-api", "better-sqlite3"];
const TRACE = join(import.meta.dirname, "..", "helpers", "trace-imports.mjs");

describe("explain and diagnose --help stay light", () => {
  // The same bundle as npm run build, in a folder of its own.
  const built = useBuiltCli();
  const dir = tempDir("mailcfg-lazy-");

  /** Runs the built CLI; returns its stdout and the npm packages it loaded, bundled or not. */
  async function run(name: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; packages: Set<string> }> {
    const traceFile = join(dir, `${name}.trace`);
    writeFileSync(traceFile, "");
    const r = await runNode(["--import", TRACE, built.cli.entry, ...args], { env: { MAILCFG_CONFIG_DIR: dir, MAILCFG_TRACE_FILE: traceFile, ...env } });
    return { code: r.code, stdout: r.stdout, packages: packagesLoaded(readFileSync(traceFile, "utf8").split("\n")) };
  }

  it("explains without loading nodemailer, Google, EWS or SQLite code", async () => {
    const r = await run("explain", ["explain", "--json", "535 5.7.3 Authentication unsuccessful"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).category).toBe("auth");
    expect(r.packages.has("commander"), "the trace sees bundled packages").toBe(true);
    expect(HEAVY.filter((p) => r.packages.has(p))).toEqual([]);
  });

  it("shows diagnose's help without loading them either", async () => {
    const r = await run("diagnose-help", ["diagnose", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--stop-after <stage>");
    expect(HEAVY.filter((p) => r.packages.has(p))).toEqual([]);
  });

  it("the trace does see a heavy package when a command needs one", async () => {
    const r = await run("validate", ["validate", "--type", "webmail", "--host", "127.0.0.1", "--port", "1", "--email", "a@b.test", "--no-send", "--timeout", "1"], {
      MAILCFG_PASSWORD: "fake-password-123",
    });
    expect(r.code).toBe(4); // nothing listens on port 1: a server failure, after nodemailer tried
    expect(r.packages.has("nodemailer")).toBe(true);
  });
});
