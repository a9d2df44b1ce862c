import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

interface Refable {
  ref(): unknown;
  unref(): unknown;
}

/**
 * Reads one line from a stream and leaves the rest unread, so several answers can come
 * through one pipe (a client secret on the first line, a pasted address on the next).
 * Resolves undefined at the end of input with nothing read. The signal stops waiting.
 *
 * Afterwards the stream is paused and, for a socket or pipe such as process.stdin,
 * unreferenced: Node keeps reading a paused stdin pipe ahead, and that pending read
 * alone would keep a finished command alive until the other end closes the pipe.
 */
export function readLine(stream: Readable, signal?: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted || stream.readableEnded) return resolve(undefined);
    const decoder = new StringDecoder("utf8");
    let line = "";
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
      const nl = text.indexOf("\n");
      if (nl < 0) {
        line += text;
        return;
      }
      line += text.slice(0, nl);
      stream.pause();
      const rest = text.slice(nl + 1);
      if (rest.length > 0) stream.unshift(Buffer.from(rest, "utf8"));
      finish(line.replace(/\r$/, ""));
    };
    const onEnd = () => {
      line += decoder.end();
      finish(line.length > 0 ? line.replace(/\r$/, "") : undefined);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAbort = () => finish(undefined);
    function finish(value: string | undefined) {
      cleanup();
      resolve(value);
    }
    function cleanup() {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
      stream.pause();
      (stream as Partial<Refable>).unref?.();
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    stream.on("end", onEnd);
    stream.on("error", onError);
    (stream as Partial<Refable>).ref?.();
    stream.on("data", onData);
    stream.resume();
  });
}
