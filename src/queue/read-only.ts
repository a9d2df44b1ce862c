import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkKeptFile, unusable } from "../config/files.js";

/**
 * A private copy of the queue (queue.db and its -wal) when the config folder cannot be
 * written, so list and show work on a read-only folder; undefined when it can be.
 */
export function snapshotIfReadOnly(dir: string): { dir: string; remove(): void } | undefined {
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch {
    // read-only, or missing (then there is no queue to read: an empty copy)
  }
  const source = join(dir, "queue.db");
  const copy = mkdtempSync(join(tmpdir(), "mailcfg-queue-"));
  try {
    if (checkKeptFile(source, { noFollow: true }) === "file") {
      copyFileSync(source, join(copy, "queue.db"));
      if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, join(copy, "queue.db-wal"));
    }
  } catch (err) {
    rmSync(copy, { recursive: true, force: true });
    throw err instanceof Error && "category" in err ? err : unusable(source, "cannot be read", err);
  }
  return { dir: copy, remove: () => rmSync(copy, { recursive: true, force: true }) };
}
