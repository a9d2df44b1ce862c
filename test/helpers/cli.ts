/**
 * The one way the tests run mailcfg in-process: `main(argv, ctx)` as bin/mailcfg.js runs
 * it, with captured stdout/stderr, a temporary config folder, the file secret store, no
 * colour, and a scripted prompter. (The built CLI as a child process: build-cli.ts.)
 */
import { afterAll } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { main } from "../../src/cli.js";
import { createContext, type Context } from "../../src/context.js";
import type { Prompter } from "../../src/prompter.js";
import type { KeyringOpener } from "../../src/config/secrets.js";
import { scriptedPrompter, type Step } from "./scripted-prompter.js";

// ---------------------------------------------------------------- temporary folders

const made: string[] = [];
// Registered when a test file imports this module: what its tests made is removed after them.
afterAll(() => removeTempDirs());

/** A fresh temporary folder, removed after the test file (or sooner by removeTempDirs()). */
export function tempDir(prefix = "mailcfg-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A config folder of its own: run mailcfg in it, read what it saved, remove it. */
export class TempConfig {
  readonly dir: string;

  constructor(prefix = "mailcfg-test-") {
    this.dir = tempDir(prefix);
  }

  run(argv: string[], o: Omit<CliOptions, "dir"> = {}): CliRun {
    return runCli(argv, { ...o, dir: this.dir });
  }

  /** config.json as text ("" when it was never written). */
  configText(): string {
    return this.read("config.json");
  }

  /** secrets.json (the file secret store) as text ("" when it was never written). */
  secretsText(): string {
    return this.read("secrets.json");
  }

  secrets(): Record<string, string> {
    const text = this.secretsText();
    return text ? (JSON.parse(text) as Record<string, string>) : {};
  }

  /** An arrow, so `const { dir, remove } = tempConfig()` works. */
  readonly remove = (): void => rmSync(this.dir, { recursive: true, force: true });

  private read(name: string): string {
    const p = join(this.dir, name);
    return existsSync(p) ? readFileSync(p, "utf8") : "";
  }
}

export function tempConfig(prefix?: string): TempConfig {
  return new TempConfig(prefix);
}

// ---------------------------------------------------------------- the context

export interface CliOptions {
  /** The config folder; a fresh temporary one when unset. */
  dir?: string;
  /** Added to (or overriding) MAILCFG_CONFIG_DIR, MAILCFG_SECRET_STORE=file and NO_COLOR=1. */
  env?: Record<string, string>;
  /**
   * Standard input: text piped in (then it ends), or a stream the test writes to as the
   * run goes. Unset: empty and ended, or left open on a terminal.
   */
  stdin?: string | PassThrough;
  /** stdin and stderr are terminals, so the wizard may ask questions. */
  terminal?: boolean;
  /** The answers (a script for scriptedPrompter, or a prompter); unset, any question fails the run. */
  prompt?: Step[] | Prompter;
  now?: () => Date;
  /** Unset, opening a browser fails the run: no test opens a real one. */
  openUrl?: (url: string) => Promise<void>;
  openKeyring?: KeyringOpener;
}

/** Collects what a stream is given, as text, as it is written. */
class TextSink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface TestContext {
  ctx: Context;
  dir: string;
  stdin: PassThrough;
  stdout(): string;
  stderr(): string;
}

/** A Context like one run of the CLI, for tests that call a command's code directly. */
export function testContext(o: CliOptions = {}): TestContext {
  const dir = o.dir ?? tempDir();
  const out = new TextSink();
  const err = new TextSink();
  const stdin = typeof o.stdin === "object" ? o.stdin : new PassThrough();
  if (typeof o.stdin === "string") stdin.end(o.stdin);
  else if (o.stdin === undefined && !o.terminal) stdin.end();
  const terminal = o.terminal === true;
  const ctx = createContext({
    io: { out, err, stdin, stdinIsTTY: terminal, errIsTTY: terminal, canPrompt: terminal },
    env: { MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", NO_COLOR: "1", ...o.env },
    prompt: Array.isArray(o.prompt) ? scriptedPrompter(o.prompt) : (o.prompt ?? scriptedPrompter([])),
    openUrl:
      o.openUrl ??
      (async () => {
        throw new Error("this test opens no browser");
      }),
    ...(o.now ? { now: o.now } : {}),
    ...(o.openKeyring ? { openKeyring: o.openKeyring } : {}),
  });
  return { ctx, dir, stdin, stdout: () => out.text, stderr: () => err.text };
}

// ---------------------------------------------------------------- the runner

/** The shape of a --json document, errors included. */
export type JsonDoc = Record<string, unknown> & {
  ok?: boolean;
  error?: { category: string; message: string; evidence?: string; hint?: string; code?: string };
};

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document (for --json runs). */
  json<T = JsonDoc>(): T;
  ctx: Context;
  /** The config folder it ran in. */
  dir: string;
}

/** A run under way: await it for the result; read its output so far, or write to its stdin, meanwhile. */
export interface CliRun extends Promise<CliResult> {
  readonly stdout: string;
  readonly stderr: string;
  readonly stdin: PassThrough;
  readonly ctx: Context;
  readonly dir: string;
}

/** Runs `mailcfg <argv>` in this process. */
export function runCli(argv: string[], o: CliOptions = {}): CliRun {
  const t = testContext(o);
  const done = main(argv, t.ctx).then(
    (code): CliResult => ({ code, stdout: t.stdout(), stderr: t.stderr(), json: <T>() => JSON.parse(t.stdout()) as T, ctx: t.ctx, dir: t.dir }),
  );
  return Object.defineProperties(done, {
    stdout: { get: t.stdout },
    stderr: { get: t.stderr },
    stdin: { value: t.stdin },
    ctx: { value: t.ctx },
    dir: { value: t.dir },
  }) as CliRun;
}

/** Waits until `read()` matches `re` (polling), for output a test must react to while a run goes on. */
export async function waitFor(read: () => string, re: RegExp, ms = 5000): Promise<RegExpExecArray> {
  const start = Date.now();
  for (;;) {
    const m = re.exec(read());
    if (m) return m;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${re} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
