import { UsageError } from "../errors.js";

/** The shortest and longest wait a flag or setting may ask for, in seconds. */
export const TIMEOUT_MIN_SECONDS = 0.1;
export const TIMEOUT_MAX_SECONDS = 600;

/**
 * A number of seconds as milliseconds, refused outside 0.1..600. Node turns a timer of
 * 0 ms into its defaults and one over 2^31 ms into 1 ms, so either end would quietly
 * wait for something other than what was asked.
 */
export function timeoutMs(value: string | number, name: string): number {
  const n = typeof value === "number" ? value : /^\s*$/.test(value) ? NaN : Number(value);
  if (!Number.isFinite(n) || n < TIMEOUT_MIN_SECONDS || n > TIMEOUT_MAX_SECONDS) {
    throw new UsageError(
      `${name} must be a number of seconds from ${TIMEOUT_MIN_SECONDS} to ${TIMEOUT_MAX_SECONDS}; got "${value}".`,
      name.startsWith("--") ? undefined : `Set it with: mailcfg config set ${name} 15`,
    );
  }
  // Whole milliseconds, never rounded down to nothing.
  return Math.max(1, Math.round(n * 1000));
}
