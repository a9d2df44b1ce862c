import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  chmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
  type Stats,
} from "node:fs";
import { dirname, join } from "node:path";
import { MailError, type Category } from "../errors.js";

/**
 * Reading and writing the files mailcfg keeps or is given, safely: a read never blocks
 * (a FIFO or a device is refused, not opened for a blocking read) and never grows past
 * a limit (counting the bytes actually read: /proc files say their size is 0); a write
 * goes to a temp file beside the target, owner-only, flushed, then renamed over it.
 */

export const MB = 1024 * 1024;

/** Says a note on stderr (a mode fixed, a temp file removed). */
export type Note = (text: string) => void;

export interface ReadLimits {
  /** What the file is, for the error: "The config file", "--ca", "Template". */
  label: string;
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** config (the saved state) or usage (a file the user named); both exit 2. */
  category?: Category;
  /** Refuse a symbolic link instead of following it (secrets.json, queue.db). */
  noFollow?: boolean;
  hint?: string;
}

/** What kind of thing is at a path, in words, when it is not a regular file. */
function notAFile(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return "is a folder, not a file";
  if (st.isFIFO()) return "is a named pipe (FIFO), not a file";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "is a device, not a file";
  if (st.isSocket()) return "is a socket, not a file";
  if (st.isSymbolicLink()) return "is a symbolic link; mailcfg does not follow links for this file";
  return "is not a regular file";
}

function errnoWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "cannot be read (permission denied)";
    case "ELOOP":
      return "is a symbolic link; mailcfg does not follow links for this file";
    case "EISDIR":
      return "is a folder, not a file";
    case "ENOTDIR":
      return "is inside something that is not a folder";
    default:
      return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

function fileError(limits: ReadLimits, path: string, problem: string, cause?: unknown): MailError {
  return new MailError(limits.category ?? "usage", `${limits.label} ${path} ${problem}.`, {
    ...(limits.hint ? { hint: limits.hint } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The bytes of a regular file, or undefined when there is none. Refuses (exit 2, naming
 * the path) anything else: a FIFO, a device, a folder, a file over the limit.
 */
export function readBoundedBytes(path: string, limits: ReadLimits): Buffer | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer; it is refused below.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (limits.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(limits, path, errnoWords(err), err);
  }
  try {
    const st = fstatSync(fd);
    const problem = notAFile(st);
    if (problem) throw fileError(limits, path, problem);
    const over = () => fileError(limits, path, `is larger than the ${formatBytes(limits.maxBytes)} mailcfg accepts`);
    if (st.size > limits.maxBytes) throw over();
    // Read until the end, whatever the size said, and stop one byte past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limits.maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw fileError(limits, path, errnoWords(err), err);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limits.maxBytes) throw over();
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** readBoundedBytes as UTF-8 text. */
export function readBoundedText(path: string, limits: ReadLimits): string | undefined {
  return readBoundedBytes(path, limits)?.toString("utf8");
}

export function formatBytes(n: number): string {
  return n >= MB ? `${+(n / MB).toFixed(1)} MB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KB` : `${n} bytes`;
}

/** The config folder or a file in it cannot be used: exit 2, naming the path and what is wrong. */
export function unusable(path: string, problem: string, cause?: unknown): MailError {
  return new MailError("config", `${path} ${problem}.`, {
    hint: "Fix it (or point MAILCFG_CONFIG_DIR at a folder you can write), then run mailcfg again.",
    ...(cause === undefined ? {} : { cause }),
  });
}

function writeProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "cannot be written (permission denied)";
  if (code === "EROFS") return "is on a read-only file system";
  if (code === "EISDIR") return "is a folder where mailcfg needs a file";
  if (code === "ENOTDIR" || code === "EEXIST") return "is a file where mailcfg needs a folder";
  if (code === "ENOSPC") return "cannot be written: the disk is full";
  return `cannot be written (${code ?? String(err)})`;
}

/** The mode bits others than the owner have, if any. */
const looseBits = (mode: number) => mode & 0o077;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, "0");

/**
 * Creates the config folder (0700) if it is missing; a folder found readable by others
 * is made owner-only, with a note. Throws when the path is not a usable folder.
 */
export function ensureConfigDir(dir: string, note?: Note): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw unusable(dir, writeProblem(err), err);
  }
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    throw unusable(dir, writeProblem(err), err);
  }
  if (st.isSymbolicLink()) return; // a linked config folder is the user's choice; its target was checked by mkdir
  if (!st.isDirectory()) throw unusable(dir, "is a file where mailcfg needs its config folder");
  tightenMode(dir, st, 0o700, note);
}

/**
 * Makes a file or folder found with a looser mode owner-only, saying so. Returns false
 * when that is not possible (not our file, a read-only file system).
 */
export function tightenMode(path: string, st: Stats, want: 0o600 | 0o700, note?: Note): boolean {
  if (looseBits(st.mode) === 0) return true;
  try {
    chmodSync(path, want);
    note?.(`${path} was readable by others (mode ${octal(st.mode)}); mailcfg set it to ${octal(want)}.`);
    return true;
  } catch {
    note?.(`${path} is readable by others (mode ${octal(st.mode)}) and mailcfg cannot change that: chmod ${octal(want).slice(1)} ${path}`);
    return false;
  }
}

/**
 * Checks a file mailcfg keeps in the config folder before it is read: none is fine; a
 * regular file is made owner-only if it is not; anything else (a folder, a FIFO, a
 * link where links are refused) is an exit-2 error naming the path. With `mustTighten`,
 * a looser mode that cannot be fixed is refused too (secrets).
 */
export function checkKeptFile(path: string, o: { note?: Note; noFollow?: boolean; mustTighten?: boolean } = {}): "absent" | "file" {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw unusable(path, errnoWords(err), err);
  }
  if (st.isSymbolicLink()) {
    if (o.noFollow) throw unusable(path, "is a symbolic link; mailcfg does not follow links for this file: move it away");
    return "file";
  }
  const problem = notAFile(st);
  if (problem) throw unusable(path, `${problem}: move it away`);
  if (!tightenMode(path, st, 0o600, o.note) && o.mustTighten) {
    throw unusable(path, `is readable by others (mode ${octal(st.mode)}) and mailcfg cannot make it owner-only`);
  }
  return "file";
}

/**
 * Removes the temp files a killed run left behind (config.json.tmp, secrets.json.<pid>-<n>.tmp
 * of older versions, conf's config.json.tmp-<n>): they can hold every password. Called
 * under the folder's lock, before each write.
 */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (/^(?:config|secrets)\.json\.(?:[^/]*\.)?tmp(?:-[^/]*)?$/.test(name)) rmSync(join(dir, name), { force: true, recursive: true });
  }
}

/**
 * Replaces `path` with `text`: a temp file beside it (owner-only, reused if a killed run
 * left one), written, flushed to disk, then renamed over the target. Callers hold the
 * folder's lock, so one fixed temp name is enough.
 */
export function writeAtomic(path: string, text: string): void {
  const dir = dirname(path);
  removeStaleTemps(dir);
  const tmp = `${path}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw unusable((err as NodeJS.ErrnoException).code === "EISDIR" ? tmp : dir, writeProblem(err), err);
  }
  try {
    fchmodSync(fd, 0o600);
    const bytes = Buffer.from(text, "utf8");
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw unusable(path, writeProblem(err), err);
  }
  syncDir(dir);
}

/** Flushes a folder's entry list, so a rename survives a power cut. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not possible everywhere; the rename itself is atomic
  }
}

/**
 * Makes ready the queue file before SQLite opens it: the folder exists (0700); a
 * queue.db that is a link, a folder or a FIFO is refused (exit 2, naming it); a looser
 * mode is made 0600 with a note; a missing one is created 0600 (SQLite's -wal and -shm
 * files follow its mode). Returns its path.
 */
export function prepareQueueFile(dir: string, note?: Note): string {
  const path = join(dir, "queue.db");
  ensureConfigDir(dir, note);
  if (checkKeptFile(path, { noFollow: true, mustTighten: true, ...(note ? { note } : {}) }) === "absent") {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600));
    } catch (err) {
      throw unusable(path, writeProblem(err), err);
    }
  }
  return path;
}
