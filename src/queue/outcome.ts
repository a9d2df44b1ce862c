import { MailError, SENDING_LIMIT_CODE, isMailError } from "../errors.js";
import { errorToJson } from "../failures/error.js";
import type { EntryError, QueueEntry } from "./entry.js";
import type { Runner } from "./run-state.js";

/**
 * What becomes of an entry whose send failed: tried again later (transient, attempts
 * left), failed for good, or set aside as uncertain when it may have been delivered.
 */

const MAX_BACKOFF_MS = 6 * 3600_000;

/**
 * Whether trying again can help: SMTP 4xx replies, a sending limit reached (Gmail API
 * 429) and connection problems (category server: refused, reset, timeouts) are
 * transient; 5xx replies, auth, TLS and rejected messages are not.
 */
export function isTransient(err: MailError): boolean {
  // The failure model's verdict, for every error that came through it.
  if (err.details.transient !== undefined) return err.details.transient;
  const code = err.details.code;
  if (code && /^4/.test(code)) return true;
  // The message is fine; the account sent too much for now. Later it goes through.
  if (code === SENDING_LIMIT_CODE) return true;
  if (code && /^5/.test(code)) return false;
  return err.category === "server";
}

/** The wait before retry number `attempt` (1 = the first retry), with a little jitter. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const plain = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (1 + 0.1 * random()));
}

function entryError(err: unknown, transient: boolean, now: number): EntryError {
  const e = isMailError(err) ? err : new MailError("unknown", err instanceof Error ? err.message : String(err), { cause: err });
  return { ...errorToJson(e), transient, at: new Date(now).toISOString() };
}

/** Set aside: it may have been delivered. Counted, and reported as the failure it was. */
export async function setUncertain(run: Runner, entry: QueueEntry, error: EntryError, isFailure: boolean): Promise<void> {
  await run.store.markUncertain(run.me, entry.id, error);
  run.summary.uncertain += 1;
  if (isFailure) run.summary.firstFailure ??= error;
  run.emit({ type: "uncertain", entry, error });
}

export async function recordFailure(run: Runner, entry: QueueEntry, err: unknown): Promise<void> {
  const now = Date.now();
  const maybeDelivered = isMailError(err) && err.details.facts?.maybeDelivered === true;
  if (maybeDelivered && !run.opts.resendUncertain) {
    const error: EntryError = {
      ...entryError(err, false, now),
      maybeDelivered: true,
      message: `May have been delivered: the connection ended after the whole message was handed over, with no answer. ${(err as MailError).message}`,
      hint: `Check whether Message-ID ${entry.messageId} arrived. It is not sent again by itself; to send it anyway: mailcfg queue retry ${entry.id} --yes`,
    };
    // The run reports it as the failure it was (a lost connection: exit 4).
    return setUncertain(run, entry, error, true);
  }
  // Allowed by the setting: retried as transient; an HTTP sender looks in the mailbox first.
  const transient = isMailError(err) && (maybeDelivered || isTransient(err));
  const error = entryError(err, transient, now);
  if (maybeDelivered) error.maybeDelivered = true;
  if (transient && entry.attempts < run.opts.maxAttempts) {
    // Never sooner than the server asked (Retry-After of a throttled Graph request).
    const asked = isMailError(err) ? (err.details.facts?.retryAfterSeconds ?? 0) * 1000 : 0;
    const retryAt = now + Math.max(backoffMs(entry.attempts, run.opts.retryBaseMs), asked);
    await run.store.markFailed(run.me, entry.id, error, retryAt);
    run.summary.retrying += 1;
    run.emit({ type: "retry", entry, error, retryAt });
    return;
  }
  if (transient) error.message = `Gave up after ${entry.attempts} attempts: ${error.message}`;
  error.transient = false;
  await run.store.markFailed(run.me, entry.id, error, undefined);
  run.summary.failed += 1;
  run.summary.firstFailure ??= error;
  run.emit({ type: "failed", entry, error });
}
