import { chmodSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Lets another user (postgres, nobody) pass through every folder above `path`: a clone
 * made in a folder only root may enter (mktemp -d makes them 0700) would otherwise keep
 * a server or a child process run as that user from its files. Only o+x is added
 * (enter, not list), and only where it is missing.
 */
export function letOthersReach(path: string): void {
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
}
