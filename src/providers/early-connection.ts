import { connect, type Socket } from "node:net";

/**
 * A TCP connection opened before the SMTP code has loaded.
 *
 * A validation connects, waits for the greeting and logs in. Loading the code that
 * speaks SMTP (nodemailer's connection and composer) takes tens of milliseconds, and a
 * server takes its time to greet (smtp-server holds its greeting back 100 ms to catch
 * clients that talk too soon; across the internet the round trips alone cost as much).
 * Opening the socket first lets the two overlap. The socket is left paused: the
 * greeting waits in its buffer until nodemailer takes the socket over and reads it.
 */
export interface EarlyConnection {
  /** When connecting started (ms since the epoch): the connection timeout counts from here. */
  readonly startedAt: number;
  /**
   * The connected socket, at most once. Waits while it is still connecting, up to the
   * connection timeout. Undefined when it failed or timed out: the caller then connects
   * the usual way, and reports that attempt's failure in its own words.
   */
  take(): Promise<Socket | undefined>;
  /** Closes the socket unless it was taken. */
  discard(): void;
}

export function openEarlyConnection(host: string, port: number, timeoutMs: number): EarlyConnection {
  const startedAt = Date.now();
  const socket = connect({ host, port });
  let taken = false;
  // Settles once: the socket when connected, undefined when it failed.
  const settled = new Promise<Socket | undefined>((resolve) => {
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    function finish(result: Socket | undefined) {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("error", onError);
      if (!result) socket.destroy();
      else socket.on("error", ignoreUntilTaken);
      resolve(result);
    }
    const onConnect = () => finish(socket);
    const onError = () => finish(undefined);
    socket.once("connect", onConnect);
    socket.once("error", onError);
  });
  return {
    startedAt,
    async take() {
      if (taken) return undefined;
      taken = true;
      const ready = await settled;
      if (!ready || ready.destroyed || ready.readableEnded) {
        ready?.destroy();
        return undefined;
      }
      ready.off("error", ignoreUntilTaken);
      return ready;
    },
    discard() {
      if (taken) return;
      taken = true;
      socket.destroy();
    },
  };
}

/** Between connecting and being taken over, a reset is noticed by take(), not thrown. */
function ignoreUntilTaken(): void {}
