import { beforeEach, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { runCli, tempDir } from "../helpers/cli.js";

/**
 * The checks a run makes of its typed input before it connects anywhere: the target,
 * single flag values and the flags that only go together. Each is a usage error (exit 2)
 * naming the flag, as one JSON document, and nothing is written to the config folder.
 */
const CASES: Array<[argv: string[], message: RegExp]> = [
  [["setup"], /^Say which sender: company or user <id>\.$/],
  [["setup", "company", "--to", "nope"], /^--to: "nope" is not a valid email address/],
  [["setup", "company", "--timeout", "abc"], /^--timeout must be a number of seconds/],
  [["diagnose"], /^Say what to diagnose: company, user <id>, or settings with --type\.$/],
  [["diagnose", "company", "--type", "webmail"], /^Say what to diagnose/],
  [["diagnose", "company", "--to", "nope"], /^--to: "nope" is not a valid email address/],
  [["diagnose", "company", "--dns-server", "not-an-ip"], /^--dns-server: "not-an-ip" is not an IP address/],
  [["diagnose", "--type", "webmail", "--host", "127.0.0.1", "--email", "a@b.example", "--stop-after", "bogus"], /^--stop-after: "bogus" is not a stage here/],
  [["diagnose", "--type", "webmail", "--host", "127.0.0.1", "--email", "a@b.example", "--stop-after", "data"], /^--stop-after data sends a test message: add --send/],
  [["connect-gmail"], /^Say which sender/],
  [["connect-gmail", "company", "--timeout", "abc"], /^--timeout must be a number of seconds/],
  [["connect-microsoft", "company", "--via", "pigeon"], /^--via: "pigeon" is not smtp or graph\.$/],
  [["connect-microsoft", "company", "--send-only"], /^--send-only goes with --via graph/],
  [["connect-microsoft", "company", "--device-code", "--no-browser"], /^--device-code and --no-browser are two different sign-ins/],
  [["discover", "nope"], /^address: "nope" is not a valid email address/],
  [["discover", "a@b.example", "--timeout", "abc"], /^--timeout must be a number of seconds/],
];

let dir: string;
beforeEach(() => (dir = tempDir()));

describe("input checks of setup, diagnose, connect-gmail, connect-microsoft and discover", () => {
  it.each(CASES)("%j is a usage error naming the flag; nothing is saved", async (argv, message) => {
    const run = await runCli([...argv, "--json"], { dir, env: { MAILCFG_PASSWORD: "fake-password-not-real" } });
    expect(run.code).toBe(2);
    const doc = run.json() as { ok: boolean; error: { category: string; message: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error.category).toBe("usage");
    expect(doc.error.message).toMatch(message);
    expect(run.stderr).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });
});
