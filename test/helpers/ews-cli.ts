/**
 * Runs the real CLI (main) in-process with a fake terminal: captured stdout/stderr, a
 * temporary config folder, the file secret store, and a scripted prompter.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { main } from "../../src/cli.js";
import { createContext } from "../../src/context.js";
import type { Choice, Prompter } from "../../src/prompter.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, for --json runs. */
  json: Record<string, unknown> & { ok?: boolean; error?: { category: string; message: string; evidence?: string; hint?: string; code?: string } };
}

export interface CliOptions {
  env?: Record<string, string>;
  prompt?: Prompter;
  /** A terminal on stdin and stderr (the wizard). */
  terminal?: boolean;
  stdin?: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join("") };
}

export class TempConfig {
  readonly dir = mkdtempSync(join(tmpdir(), "mailcfg-ews-"));

  async run(argv: string[], o: CliOptions = {}): Promise<CliResult> {
    const out = sink();
    const err = sink();
    const terminal = o.terminal ?? false;
    const ctx = createContext({
      io: {
        out: out.stream,
        err: err.stream,
        stdin: Readable.from(o.stdin === undefined ? [] : [o.stdin]),
        stdinIsTTY: terminal,
        errIsTTY: false,
        canPrompt: terminal,
      },
      env: { MAILCFG_CONFIG_DIR: this.dir, MAILCFG_SECRET_STORE: "file", NO_COLOR: "1", ...o.env },
      ...(o.prompt ? { prompt: o.prompt } : {}),
    });
    const code = await main(argv, ctx);
    const stdout = out.text();
    let json = {} as CliResult["json"];
    if (argv.includes("--json") && stdout.trim()) json = JSON.parse(stdout) as CliResult["json"];
    return { code, stdout, stderr: err.text(), json };
  }

  /** config.json as text ("" when it was never written). */
  configText(): string {
    const p = join(this.dir, "config.json");
    return existsSync(p) ? readFileSync(p, "utf8") : "";
  }

  secretsText(): string {
    const p = join(this.dir, "secrets.json");
    return existsSync(p) ? readFileSync(p, "utf8") : "";
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Asked {
  kind: "text" | "password" | "select" | "confirm";
  message: string;
  default?: unknown;
  choices?: unknown[];
}

type Answer = string | boolean | ((q: Asked & { validate?: (v: string) => true | string }) => unknown);

/**
 * Answers questions by a fragment of their message, in order: each entry is used once.
 * A question nobody expected fails the test.
 */
export function scriptedPrompter(script: Array<[fragment: string, answer: Answer]>): Prompter & { asked: Asked[] } {
  const queue = [...script];
  const asked: Asked[] = [];
  const answer = (q: Asked & { validate?: (v: string) => true | string }): unknown => {
    asked.push({ kind: q.kind, message: q.message, ...(q.default !== undefined ? { default: q.default } : {}), ...(q.choices ? { choices: q.choices } : {}) });
    const i = queue.findIndex(([fragment]) => q.message.includes(fragment));
    if (i !== 0) throw new Error(`unexpected question "${q.message}" (next expected: "${queue[0]?.[0] ?? "none"}")`);
    const [, a] = queue.shift()!;
    const value = typeof a === "function" ? a(q) : a;
    if (typeof value === "string" && q.validate) {
      const ok = q.validate(value);
      if (ok !== true) throw new Error(`answer "${value}" to "${q.message}" was refused: ${ok}`);
    }
    return value;
  };
  return {
    asked,
    text: async (q) => answer({ kind: "text", ...q }) as string,
    password: async (q) => answer({ kind: "password", ...q }) as string,
    select: async <T>(q: { message: string; choices: Array<Choice<T>>; default?: T }) =>
      answer({ kind: "select", message: q.message, default: q.default, choices: q.choices.map((c) => c.value) }) as T,
    confirm: async (q) => answer({ kind: "confirm", ...q }) as boolean,
  };
}
