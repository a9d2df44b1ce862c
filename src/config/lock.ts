import { closeSync, constants, lstatSync, openSync, rmSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { MailError } from "../errors.js";
import { ensureConfigDir, readBoundedText, unusable, type Note } from "./files.js";

/**
 * One lock per config folder, across processes: every writer of config.json and
 * secrets.json takes it, re-reads the file under it, applies its change and writes the
 * file atomically, so parallel runs never lose each other's changes. It is a file
 * created exclusively (config.lock, holding the owner's pid and host). A lock whose process
 * is gone (kill -9), or that has not been touched for STALE_MS, is taken over; a holder
 * that keeps it a while (a token refresh over the network) touches it every few seconds.
 */
const LOCK_NAME = "config.lock";
const STALE_MS = 30_000;
const HEARTBEAT_MS = 5_000;
/** Longer than any holder should need (a refresh is bounded by its timeout). */
const WAIT_MS = 120_000;

const held = new Map<string, number>();
const queues = new Map<string, Promise<unknown>>();

function lockPath(dir: string): string {
  return join(dir, LOCK_NAME);
}

/** Whether a process with this id is running on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock file is left by a process that is gone, or was not touched for too long. */
function isStale(path: string): boolean {
  let mtime: number;
  let text = "";
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw unusable(path, "is not a lock file mailcfg made (a link, a folder or a FIFO): move it away");
    mtime = st.mtimeMs;
    text = readBoundedText(path, { label: "The lock file", maxBytes: 64, category: "config" }) ?? "";
  } catch (err) {
    if (err instanceof MailError) throw err;
    return false; // gone meanwhile: just try again
  }
  const [pidText = "", host = ""] = text.trim().split(/\s+/);
  const pid = Number.parseInt(pidText, 10);
  const age = Date.now() - mtime;
  if (!Number.isInteger(pid) || pid <= 0) return age > 2_000; // killed between create and write
  // A pid means something only on the machine that wrote it (a config folder can be shared).
  if (host === hostname() && pid !== process.pid && !alive(pid)) return true;
  return age > STALE_MS;
}

/** One attempt: true when this process now holds the lock. */
function tryTake(dir: string): boolean {
  const path = lockPath(dir);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EEXIST") throw unusable(dir, `cannot be written, so its lock ${path} cannot be taken (${code ?? String(err)})`, err);
    if (isStale(path)) rmSync(path, { force: true });
    return false;
  }
  try {
    writeSync(fd, `${process.pid} ${hostname()}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function timedOut(dir: string): MailError {
  const path = lockPath(dir);
  let holder = "";
  try {
    holder = ` (held by process ${(readBoundedText(path, { label: "The lock file", maxBytes: 64, noFollow: true }) ?? "").trim()})`;
  } catch {
    // gone meanwhile
  }
  return new MailError("config", `Another mailcfg run kept the config folder locked${holder} for ${WAIT_MS / 1000} s: ${path}.`, {
    hint: `If no other mailcfg is running, remove the lock: rm ${path}`,
  });
}

const pause = new Int32Array(new SharedArrayBuffer(4));
const jitter = () => 5 + Math.floor(Math.random() * 20);

function release(dir: string): void {
  const depth = (held.get(dir) ?? 1) - 1;
  if (depth > 0) {
    held.set(dir, depth);
    return;
  }
  held.delete(dir);
  rmSync(lockPath(dir), { force: true });
}

/**
 * Runs `fn` holding the folder's lock (created 0700 if missing). Synchronous: the
 * config store's writes are. Within a run that already holds the lock it just runs.
 */
export function withLockSync<T>(dir: string, fn: () => T, note?: Note): T {
  if (!held.has(dir)) {
    ensureConfigDir(dir, note);
    const start = Date.now();
    while (!tryTake(dir)) {
      if (Date.now() - start > WAIT_MS) throw timedOut(dir);
      Atomics.wait(pause, 0, 0, jitter());
    }
    held.set(dir, 0);
  }
  held.set(dir, (held.get(dir) ?? 0) + 1);
  try {
    return fn();
  } finally {
    release(dir);
  }
}

/**
 * Runs `fn` holding the folder's lock across awaits (a token refresh that rotates the
 * saved token). Other holders in this process wait their turn; writes made by `fn`
 * itself (withLockSync) go through. The lock is touched while held, so it never looks stale.
 */
export async function withLock<T>(dir: string, fn: () => Promise<T>, note?: Note): Promise<T> {
  const before = queues.get(dir) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  queues.set(dir, before.then(() => mine));
  await before.catch(() => undefined);
  try {
    if (!held.has(dir)) {
      ensureConfigDir(dir, note);
      const start = Date.now();
      while (!tryTake(dir)) {
        if (Date.now() - start > WAIT_MS) throw timedOut(dir);
        await new Promise((r) => setTimeout(r, jitter()));
      }
      held.set(dir, 0);
    }
    held.set(dir, (held.get(dir) ?? 0) + 1);
    const heartbeat = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(lockPath(dir), now, now);
      } catch {
        // the next holder will judge by the pid
      }
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      release(dir);
    }
  } finally {
    done();
  }
}
