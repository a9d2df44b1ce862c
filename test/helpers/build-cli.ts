import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { bundleCli } from "../../scripts/bundle.mjs";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface BuiltCli {
  /** The script to run with node: `node <entry> <args>`, as bin/mailcfg.js does. */
  entry: string;
  remove(): void;
}

/** Bundles src/cli.ts into `outdir` exactly as `npm run build` does (scripts/bundle.mjs). */
export async function bundleCliInto(outdir: string): Promise<void> {
  await bundleCli({ root: ROOT, outdir, sourcemap: false });
}

/**
 * Bundles the CLI the way scripts/build.mjs does, into a temporary folder (with a link
 * to node_modules), so tests can run it as a real child process without touching dist/.
 */
export async function buildCli(): Promise<BuiltCli> {
  const dir = mkdtempSync(join(tmpdir(), "mailcfg-cli-"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  await bundleCliInto(join(dir, "dist"));
  const entry = join(dir, "mailcfg.mjs");
  writeFileSync(entry, 'import { main } from "./dist/cli.js";\nprocess.exitCode = await main(process.argv.slice(2));\n');
  return { entry, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export function startCli(entry: string, args: string[], env: Record<string, string>, nodeArgs: string[] = []): { child: ChildProcess; done: Promise<ChildRun> } {
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const done = new Promise<ChildRun>((resolveRun) => {
    child.on("close", (code, signal) => resolveRun({ code, signal, out, err }));
  });
  return { child, done };
}

export function runBuiltCli(entry: string, args: string[], env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildRun> {
  return startCli(entry, args, env, nodeArgs).done;
}
