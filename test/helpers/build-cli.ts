import { afterAll, beforeAll } from "vitest";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleCli } from "../../scripts/bundle.mjs";
import { RUNNING_AS_ROOT } from "./child.js";
import { letOthersReach } from "./reach.js";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface BuiltCli {
  /** The script to run with node: `node <entry> <args>`, as bin/mailcfg.js does (see child.ts). */
  entry: string;
  remove(): void;
}

/**
 * Bundles the CLI the way scripts/build.mjs does, into a temporary folder (with a link
 * to node_modules), so tests can run it as a real child process without touching dist/.
 * Under root it is made reachable by other users, for runs as user nobody.
 */
export async function buildCli(): Promise<BuiltCli> {
  const dir = mkdtempSync(join(tmpdir(), "mailcfg-cli-"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  // Exactly as `npm run build` does (scripts/bundle.mjs).
  await bundleCli({ root: ROOT, outdir: join(dir, "dist"), sourcemap: false });
  const entry = join(dir, "mailcfg.mjs");
  writeFileSync(entry, 'import { main } from "./dist/cli.js";\nprocess.exitCode = await main(process.argv.slice(2));\n');
  if (RUNNING_AS_ROOT) {
    chmodSync(dir, 0o755);
    letOthersReach(dir);
    letOthersReach(join(ROOT, "node_modules"));
  }
  return { entry, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The built CLI for one test file: built before its tests, removed after them. */
export function useBuiltCli(): { cli: BuiltCli } {
  const holder = {} as { cli: BuiltCli };
  beforeAll(async () => {
    holder.cli = await buildCli();
  }, 60_000);
  afterAll(() => holder.cli?.remove());
  return holder;
}
