/** The rules of a lease, the same for both queues: who counts as gone, what becomes of their entries. */
import type { EntryError } from "./entry.js";

/** Is the process with this id alive on this machine? (EPERM: alive, someone else's.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the runner holding a row is gone: its lease ran out, or it ran on this host and
 * its process is gone (our own process is alive: another runner in it).
 */
export function holderGone(r: { lease_pid: number | null }, expired: boolean): boolean {
  return expired || (r.lease_pid !== null && r.lease_pid !== process.pid && !processAlive(r.lease_pid));
}

/**
 * What becomes of an entry whose runner died: queued again when it died before writing
 * the message body, uncertain when it may have sent the final "." (design.md 6c).
 */
export function reclaimedState(r: { lease_host: string | null; lease_pid: number | null; message_id: string; body_at: number | null }, now: number): {
  state: "queued" | "uncertain";
  why: EntryError;
} {
  const who = `The runner on ${r.lease_host} (pid ${r.lease_pid}) stopped`;
  const at = new Date(now).toISOString();
  if (r.body_at !== null) {
    return {
      state: "uncertain",
      why: {
        category: "unknown",
        message: `${who} while it was handing the message to the server, so it may have been delivered. It is not sent again by itself.`,
        hint: `Check the recipient's or the sender's mailbox for Message-ID ${r.message_id}; to send it anyway: mailcfg queue retry <id> --yes`,
        transient: false,
        maybeDelivered: true,
        at,
      },
    };
  }
  return {
    state: "queued",
    why: {
      category: "unknown",
      message: `${who} before it started sending this entry. It is queued again with the same Message-ID ${r.message_id}.`,
      transient: true,
      at,
    },
  };
}
