import { PassThrough, Readable } from "node:stream";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContext, type Context } from "../../src/context.js";
import { main } from "../../src/cli.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
  ctx: Context;
}

export function tempDir(prefix = "mailcfg-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/**
 * Runs mailcfg's main() in-process with captured stdout/stderr, no terminal, and a
 * throwaway config folder (unless env names one).
 */
export async function runCli(argv: string[], opts: { env?: Record<string, string>; stdin?: string; configDir?: string } = {}): Promise<CliRun> {
  const out = collector();
  const err = collector();
  const env: NodeJS.ProcessEnv = {
    MAILCFG_CONFIG_DIR: opts.configDir ?? tempDir(),
    MAILCFG_SECRET_STORE: "file",
    NO_COLOR: "1",
    ...opts.env,
  };
  const ctx = createContext({
    io: {
      out: out.stream,
      err: err.stream,
      stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
      stdinIsTTY: false,
      errIsTTY: false,
      canPrompt: false,
    },
    env,
  });
  const code = await main(argv, ctx);
  return { code, out: out.text(), err: err.text(), ctx };
}
