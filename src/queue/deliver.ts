import { ownerArgs, ownerLabel } from "../config/types.js";
import { NotConfiguredError, isMailError } from "../errors.js";
import type { MailProvider } from "../providers/types.js";
import { openSender } from "../senders/open.js";
import { ownerKey, type EntryError, type QueueEntry } from "./entry.js";
import { recordFailure, setUncertain } from "./outcome.js";
import type { Runner } from "./run-state.js";
import type { Held } from "./sent-log.js";

/** This runner's lease on an entry was taken over: it must not hand the message over. */
class LeaseLost extends Error {
  constructor(id: number) {
    super(`The lease on entry #${id} was taken over by another runner.`);
  }
}

/**
 * The queue could not record the body mark: nothing of the body went out, and the entry
 * is still this runner's, unmarked. Not the message's failure: the run stops (the queue's
 * error decides the exit), and the entry is taken back when its lease runs out, safe to send.
 */
class MarkNotRecorded extends Error {
  constructor(readonly error: unknown) {
    super("The body mark could not be recorded.");
  }
}

/** The error of ours that aborted a send, where the provider wrapped it (nodemailer keeps it as the cause). */
function ours<E extends Error>(err: unknown, kind: new (...args: never[]) => E): E | undefined {
  if (err instanceof kind) return err;
  const cause = isMailError(err) ? err.details.cause : (err as { cause?: unknown } | undefined)?.cause;
  return cause instanceof kind ? cause : undefined;
}

/** The entry's sender, opened once per owner for the whole run (a pool of connections). */
function senderFor(run: Runner, entry: QueueEntry) {
  const key = ownerKey(entry.owner);
  let s = run.senders.get(key);
  if (!s) {
    s = (async () => {
      const profile = run.config.getProfile(entry.owner);
      if (!profile) throw new NotConfiguredError(`The ${ownerLabel(entry.owner)} is not set up any more.`, `mailcfg setup ${ownerArgs(entry.owner)}`);
      const { opts } = run;
      const provider = await openSender(run.ctx, entry.owner, profile, {
        timeoutMs: opts.timeoutMs,
        pool: true,
        maxConnections: opts.concurrency,
        ...(opts.ca ? { ca: opts.ca } : {}),
      });
      return { provider, profile };
    })();
    // A failed setup is not cached as failed forever: a later entry may try again.
    s.catch(() => run.senders.delete(key));
    run.senders.set(key, s);
  }
  return s;
}

/** Sends one claimed entry and records what became of it; `slot`: the sends this worker holds. */
export async function deliver(run: Runner, slot: Held[], entry: QueueEntry): Promise<void> {
  let response: string;
  try {
    const { provider, profile } = await senderFor(run, entry);
    if (entry.checkFirst || entry.lastError?.maybeDelivered) {
      // A resend of an uncertain entry: an HTTP sender can tell whether it went out.
      const found = await alreadySent(run, provider, entry);
      if (found === "unknown") return;
      if (found) return run.sent.add(slot, entry, found);
    }
    // The claim listed them (names and sizes): no query for the many entries without.
    const attachments = entry.attachments.length > 0 ? await run.store.attachmentsOf(entry.id) : [];
    const sent = await provider.send(
      {
        ...entry.message,
        from: profile.email,
        ...(profile.name ? { fromName: profile.name } : {}),
        messageId: entry.messageId,
        ...(attachments.length > 0 ? { attachments } : {}),
      },
      // Recorded before the final "." goes out: a runner killed after it leaves the entry
      // uncertain. A runner whose lease was taken over (it was thought dead) stops here.
      {
        beforeBody: () => markBody(run, slot, entry),
      },
    );
    response = sent.rejected.length > 0 ? `${sent.response} (refused: ${sent.rejected.join(", ")})` : sent.response;
  } catch (err) {
    if (ours(err, LeaseLost)) {
      run.emit({ type: "lost-lease", entry });
      return;
    }
    const unrecorded = ours(err, MarkNotRecorded);
    if (unrecorded) throw unrecorded.error;
    await recordFailure(run, entry, err);
    return;
  }
  // Outside the try: the server has the message, so a failure to record it must never
  // mark it failed or retry it. Until it is recorded the entry keeps its body mark: if
  // the run ends first, it becomes uncertain, never sent again blindly.
  await run.sent.add(slot, entry, response);
}

/** The body mark, recording with it the send this worker holds (one statement). */
async function markBody(run: Runner, slot: Held[], entry: QueueEntry): Promise<void> {
  const held = run.sent.take(slot);
  let marked: { body: boolean; sent: number[] } | undefined;
  try {
    marked = await run.store.markBody(run.me, entry.id, Date.now(), held);
  } catch (err) {
    throw new MarkNotRecorded(err);
  } finally {
    run.sent.settle(slot, held, marked?.sent);
  }
  if (!marked.body) throw new LeaseLost(entry.id);
}

/** The response to record when the mailbox holds it, false when it does not, "unknown" when set aside again. */
async function alreadySent(run: Runner, provider: MailProvider, entry: QueueEntry): Promise<string | false | "unknown"> {
  if (!provider.findSent) return false; // SMTP cannot tell; the resend was asked for with --yes.
  const check = await provider.findSent(entry.messageId);
  if ("found" in check) return check.found ? `Not sent again: the sender's mailbox already holds Message-ID ${entry.messageId}.` : false;
  const error: EntryError = {
    category: "unknown",
    message: `Not sent again: whether the earlier attempt was delivered cannot be checked (${check.unknown}).`,
    hint: `Look for Message-ID ${entry.messageId} in the sender's Sent folder; then remove the entry, or queue it again.`,
    transient: false,
    at: new Date().toISOString(),
  };
  await setUncertain(run, entry, error, false);
  return "unknown";
}
