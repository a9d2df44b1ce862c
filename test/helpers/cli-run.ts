import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { createContext, type Context } from "../../src/context.js";
import { main } from "../../src/cli.js";
import type { Prompter } from "../../src/prompter.js";

/** Collects everything written to a stream, as text. */
export class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** A config folder in the system temp dir, removed by cleanup(). */
export function tempConfigDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "mailcfg-gmail-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunSetup {
  dir: string;
  env?: Record<string, string>;
  openUrl?: (url: string) => Promise<void>;
  prompt?: Prompter;
  canPrompt?: boolean;
  stdin?: PassThrough;
}

export interface Run {
  ctx: Context;
  out: Capture;
  err: Capture;
  stdin: PassThrough;
  /** Resolves with the exit code. */
  code: Promise<number>;
}

/** Runs mailcfg in-process with fake streams and a file secret store in `dir`. */
export function runCli(argv: string[], s: RunSetup): Run {
  const out = new Capture();
  const err = new Capture();
  const stdin = s.stdin ?? new PassThrough();
  const canPrompt = s.canPrompt ?? false;
  const ctx = createContext({
    io: { out, err, stdin, stdinIsTTY: canPrompt, errIsTTY: false, canPrompt },
    env: { MAILCFG_CONFIG_DIR: s.dir, MAILCFG_SECRET_STORE: "file", ...s.env },
    ...(s.prompt ? { prompt: s.prompt } : {}),
    openUrl: s.openUrl ?? (async () => {
      throw new Error("this test opens no browser");
    }),
  });
  return { ctx, out, err, stdin, code: main(argv, ctx) };
}

export function readConfigFile(dir: string): string {
  const p = join(dir, "config.json");
  return existsSync(p) ? readFileSync(p, "utf8") : "";
}

export function readSecretsFile(dir: string): Record<string, string> {
  const p = join(dir, "secrets.json");
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Record<string, string>) : {};
}

/** Waits until `read()` matches `re` (polling), for output a test must react to. */
export async function waitFor(read: () => string, re: RegExp, ms = 5000): Promise<RegExpExecArray> {
  const start = Date.now();
  for (;;) {
    const m = re.exec(read());
    if (m) return m;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${re} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A prompter for terminal tests: answers by message text, fails on any other question. */
export function scriptedPrompter(answers: {
  text?: (message: string, validate?: (v: string) => true | string) => Promise<string> | string;
  password?: (message: string) => string;
  select?: (message: string, values: unknown[]) => unknown;
}): Prompter {
  const unexpected = (kind: string, message: string): never => {
    throw new Error(`unexpected ${kind} prompt: ${message}`);
  };
  return {
    text: async (q) => (answers.text ? answers.text(q.message, q.validate) : unexpected("text", q.message)),
    password: async (q) => (answers.password ? answers.password(q.message) : unexpected("password", q.message)),
    select: async <T>(q: { message: string; choices: Array<{ value: T }> }) =>
      (answers.select ? answers.select(q.message, q.choices.map((c) => c.value)) : unexpected("select", q.message)) as T,
    confirm: async (q) => unexpected("confirm", q.message),
  };
}
