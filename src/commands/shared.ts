import type { Context } from "../context.js";
import type { Category } from "../errors.js";
import { UsageError } from "../errors.js";
import type { Owner } from "../config/types.js";
import { checkUserId } from "../config/fields.js";
import { timeoutMs } from "../util/timeout.js";

/** What a command hands back to main(): data for --json and, if it failed softly, why. */
export interface CommandResult {
  data?: Record<string, unknown>;
  /** Set when the command ran but the outcome is a failure (e.g. status with a failing profile). */
  failed?: Category;
}

/** `company` or `user <id>`: the two kinds of sender the product has. */
export function parseOwner(target: string | undefined, id: string | undefined, usage: string): Owner {
  if (target === "company") {
    if (id !== undefined) throw new UsageError(`Unexpected argument "${id}" after "company".`, `Usage: ${usage}`);
    return { kind: "company" };
  }
  if (target === "user") {
    if (!id) throw new UsageError("Missing the user id after \"user\".", `Usage: ${usage}`);
    return { kind: "user", id: checkUserId(id) };
  }
  if (target === undefined) throw new UsageError("Say which sender: company or user <id>.", `Usage: ${usage}`);
  throw new UsageError(`Unknown sender "${target}": expected company or user <id>.`, `Usage: ${usage}`);
}


/** A whole number in range, or a usage error naming the flag. */
export function parseIntFlag(value: string, flag: string, min: number, max: number): number {
  // Decimal digits only: Number() would read 1e3 as 1000 and 0x10 as 16.
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}; got "${value}".`);
  }
  return n;
}

/**
 * --timeout, else the connect-timeout-seconds setting (checked too: config.json may have
 * been edited by hand), in milliseconds.
 */
export function parseTimeoutSeconds(value: string | undefined, fallback: number, setting = "connect-timeout-seconds"): number {
  return value === undefined ? timeoutMs(fallback, setting) : timeoutMs(value, "--timeout");
}


/** No password, token, client secret or error message is anywhere near this long: stdin of /dev/zero is. */
export { readStdin, readPassword, passwordKeepingPrevious, progress, type SecretSource } from "../senders/input.js";

export function say(ctx: Context, json: boolean | undefined, text: string): void {
  if (!json) ctx.io.out.write(text + "\n");
}

export { warn } from "../ui/warn.js";

export { readCaFiles } from "../tls/ca-files.js";
