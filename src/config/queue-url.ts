import { UsageError } from "../errors.js";

/** The secret-store key of the shared queue's password. */
export const QUEUE_PASSWORD_KEY = "queue:password";

/**
 * A shared-queue URL, checked: postgres:// or postgresql://, a host. `allowPassword`
 * is false for values typed on a command line (argv is visible to every user).
 */
export function checkQueueUrl(value: string, name: string, allowPassword: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} must be a URL such as postgres://mailcfg@db.example.com/mail; got "${maskQueueUrl(value)}".`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new UsageError(`${name} must start with postgres:// (a PostgreSQL server); got "${url.protocol}//...".`);
  }
  if (!url.hostname) throw new UsageError(`${name} names no host: ${maskQueueUrl(value)}`);
  if (url.password && !allowPassword) {
    throw new UsageError(`${name} must not hold the password (a command line is visible to other users).`, `Give it in MAILCFG_QUEUE_PASSWORD (or PGPASSWORD, or ~/.pgpass), and the URL without it.`);
  }
  return url;
}

/** The URL with its password (if any) replaced by ***, for every message. */
export function maskQueueUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    // Not a URL: hide whatever sits between "://user:" and "@".
    return value.replace(/(:\/\/[^:/@]*:)[^@]*@/, "$1***@");
  }
}
