import { Readable, Writable } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContext, type Context } from "../../src/context.js";
import { main } from "../../src/cli.js";

/** Collects what a stream is given, as text. */
export class TextSink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as one JSON document. */
  json<T = Record<string, unknown>>(): T;
}

/** A context for tests: no terminal, output captured, the given config folder and env. */
export function testContext(configDir: string, env: Record<string, string> = {}): { ctx: Context; out: TextSink; err: TextSink } {
  const out = new TextSink();
  const err = new TextSink();
  const ctx = createContext({
    io: { out, err, stdin: Readable.from([]), stdinIsTTY: false, errIsTTY: false, canPrompt: false },
    env: { MAILCFG_CONFIG_DIR: configDir, MAILCFG_SECRET_STORE: "file", NO_COLOR: "1", ...env },
  });
  return { ctx, out, err };
}

/** Runs `mailcfg <args>` in this process, the way bin/mailcfg.js does. */
export async function runCli(configDir: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { ctx, out, err } = testContext(configDir, env);
  const code = await main(args, ctx);
  return {
    code,
    out: out.text,
    err: err.text,
    json: <T>() => JSON.parse(out.text) as T,
  };
}

/** A temporary folder, removed by the returned function. */
export function tempDir(prefix = "mailcfg-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
