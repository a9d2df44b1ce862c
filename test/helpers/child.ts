/**
 * The one way the tests run Node as a child process (the built CLI, a probe script): its
 * stdout and stderr collected, a small environment, optionally a time limit, standard
 * input text, a umask, or (when the tests run as root) the user nobody. In-process runs
 * of the CLI: cli.ts.
 */
import { chownSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";

export const RUNNING_AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

export interface NodeOptions {
  /** Added to PATH, HOME and NO_COLOR=1 (or replacing them). */
  env?: Record<string, string>;
  /** Text written to stdin, which then ends; "open" leaves it to the test (child.stdin); unset, no stdin. */
  stdin?: string | "open";
  /** Killed after this many ms (then timedOut), so a run that blocks fails instead of hanging. */
  ms?: number;
  /** Run as user nobody when the tests run as root, so a read-only folder is read-only to it. */
  asOther?: boolean;
  /** Set by a tiny shell in front of node: spawn has no option for it. */
  umask?: number;
  cwd?: string;
}

export interface NodeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** stdout parsed as one JSON document (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

export interface NodeRun {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  done: Promise<NodeResult>;
}

/** Starts `node <argv>`. */
export function startNode(argv: string[], o: NodeOptions = {}): NodeRun {
  const other = o.asOther === true && RUNNING_AS_ROOT;
  const command = o.umask === undefined ? [process.execPath, ...argv] : ["/bin/sh", "-c", `umask ${o.umask.toString(8)} && exec "$0" "$@"`, process.execPath, ...argv];
  const child = spawn(command[0] as string, command.slice(1), {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...o.env },
    stdio: [o.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(other ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  if (o.stdin !== undefined && o.stdin !== "open") child.stdin?.end(o.stdin);
  let out = "";
  let err = "";
  let timedOut = false;
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const timer =
    o.ms === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, o.ms);
  const done = new Promise<NodeResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err, timedOut, json: <T>() => JSON.parse(out) as T });
    });
  });
  return { child, stdout: () => out, stderr: () => err, done };
}

/** Runs `node <argv>` to its end. */
export function runNode(argv: string[], o: NodeOptions = {}): Promise<NodeResult> {
  return startNode(argv, o).done;
}

/** Hands a folder (and what is in it) to the user `asOther` runs as. */
export function giveToOther(paths: string[]): void {
  if (!RUNNING_AS_ROOT) return;
  for (const p of paths) chownSync(p, NOBODY, NOBODY);
}
