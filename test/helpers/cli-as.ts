import { afterAll, beforeAll, expect } from "vitest";
import { chmodSync, chownSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawn } from "node:child_process";
import { buildCli, ROOT, type BuiltCli, type ChildRun } from "./build-cli.js";
import { letOthersReach } from "./reach.js";
import { PASSWORD, run, tempDir, webmailFlags, type Rig } from "./smtp-rig.js";

/**
 * Runs the built CLI as a child process, killed after `ms` (a run that blocks on a FIFO
 * ends as a failure, not a hung test). When the tests run as root, `asOther` runs it as
 * user nobody, so a read-only folder is read-only to it as it would be to a real user.
 */
export const RUNNING_AS_ROOT = process.getuid?.() === 0;
export const NOBODY = 65534;

export function cliRun(cli: BuiltCli, args: string[], env: Record<string, string>, o: { ms?: number; asOther?: boolean; stdin?: string; umask?: number } = {}): Promise<ChildRun & { timedOut: boolean }> {
  const other = o.asOther && RUNNING_AS_ROOT;
  if (other) {
    chmodSync(dirname(cli.entry), 0o755);
    // The built CLI links to this checkout's node_modules: the other user must reach them.
    letOthersReach(join(ROOT, "node_modules"));
  }
  // A umask is set by a tiny shell in front of node: spawn has no option for it.
  const command = o.umask === undefined ? [process.execPath, cli.entry, ...args] : ["/bin/sh", "-c", `umask ${o.umask.toString(8)} && exec "$0" "$@"`, process.execPath, cli.entry, ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
    stdio: [o.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(other ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  if (o.stdin !== undefined) child.stdin?.end(o.stdin);
  let out = "";
  let err = "";
  let timedOut = false;
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, o.ms ?? 8000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, timedOut });
    });
  });
}

/** Hands a folder (and what is in it) to the user `asOther` runs as. */
export function giveToOther(paths: string[]): void {
  if (!RUNNING_AS_ROOT) return;
  for (const p of paths) chownSync(p, NOBODY, NOBODY);
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

/** A config folder with a Company Email on the rig's STARTTLS server, its CA file inside (readable by whoever runs in it). */
export async function folderWithCompany(rig: Rig): Promise<string> {
  const dir = tempDir();
  const ca = join(dir, "ca.pem");
  writeFileSync(ca, readFileSync(rig.caFile));
  const r = await run(["setup", "company", ...webmailFlags(rig.starttls, "starttls", ca), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
  expect(r.code, r.err).toBe(0);
  return dir;
}
