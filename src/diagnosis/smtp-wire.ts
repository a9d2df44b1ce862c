import net from "node:net";
import tls from "node:tls";
import type { Transcript } from "./transcript.js";

/** One SMTP reply: the code, and every line's text (multi-line replies keep all lines). */
export interface Reply {
  code: number;
  lines: string[];
  /** The whole reply as the server sent it, lines joined with newlines. */
  raw: string;
}

/** A failure on the wire, with a code like Node's own (ECONNREFUSED, ETIMEDOUT, ...). */
export class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reply?: Reply,
  ) {
    super(message);
  }
}

/**
 * A minimal SMTP client connection over node:net / node:tls: reads replies line by line,
 * sends commands, upgrades to TLS in place (STARTTLS). Every line goes to the transcript.
 * Small on purpose: the diagnosis must see and time each step, which a full client hides.
 */
export class SmtpWire {
  private buffer = "";
  private closed = false;
  private lastError: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(
    private socket: net.Socket,
    private readonly transcript: Transcript,
  ) {
    this.attach(socket);
  }

  /** Opens a TCP connection. */
  static async connect(host: string, port: number, timeoutMs: number, transcript: Transcript): Promise<SmtpWire> {
    transcript.event(`connecting to ${host}:${port}`);
    const socket = await ready(net.connect({ host, port }), "connect", timeoutMs, `connect ETIMEDOUT ${host}:${port}: no answer within ${timeoutMs / 1000}s`);
    transcript.event(`connected to ${socket.remoteAddress}:${socket.remotePort} from port ${socket.localPort}`);
    return new SmtpWire(socket, transcript);
  }

  /** Opens a TCP connection and starts TLS at once (implicit TLS, as on port 465). */
  static async connectTls(host: string, port: number, timeoutMs: number, transcript: Transcript, tlsOptions: TlsOptions): Promise<{ wire: SmtpWire; tls: tls.TLSSocket }> {
    const wire = await SmtpWire.connect(host, port, timeoutMs, transcript);
    const secured = await wire.startTls(host, timeoutMs, tlsOptions);
    return { wire, tls: secured };
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress ?? "?"}:${this.socket.remotePort ?? "?"}`;
  }

  /** Reads one complete reply, or fails on timeout, close, or a line that is not SMTP. */
  async read(timeoutMs: number, what = "a reply"): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.takeReply();
      if (reply) return reply;
      if (this.lastError) throw this.lastError;
      if (this.closed) {
        if (this.buffer.trim()) this.transcript.server(this.buffer.trim());
        throw new WireError("ECONNRESET", `Connection closed unexpectedly by the server while waiting for ${what}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        if (this.buffer) this.transcript.server(this.buffer);
        throw new WireError("ETIMEDOUT", `no answer within ${timeoutMs / 1000}s while waiting for ${what}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Sends a command line; `masked` is what the transcript shows instead (for secrets). */
  send(line: string, masked?: string): void {
    this.transcript.client(line, masked);
    this.socket.write(line + "\r\n");
  }

  async command(line: string, timeoutMs: number, masked?: string): Promise<Reply> {
    this.send(line, masked);
    return this.read(timeoutMs, `the reply to ${(masked ?? line).split(" ")[0]}`);
  }

  /** Sends raw bytes (the message body after DATA); the transcript gets a summary. */
  sendRaw(data: string, summary: string): void {
    this.transcript.client(summary);
    this.socket.write(data);
  }

  /** Upgrades this connection to TLS (after STARTTLS, or at once for implicit TLS). */
  async startTls(host: string, timeoutMs: number, o: TlsOptions): Promise<tls.TLSSocket> {
    const plain = this.socket;
    this.detach(plain);
    this.transcript.event(`TLS handshake with ${host}${o.servername ? ` (SNI ${o.servername})` : ""}`);
    const handshake = tls.connect({
      socket: plain,
      ...(o.servername ? { servername: o.servername } : {}),
      ...(o.ca && o.ca.length > 0 ? { ca: [...tls.rootCertificates, ...o.ca] } : {}),
      // Verified by hand after the handshake, so the diagnosis can show the certificate it refuses.
      rejectUnauthorized: false,
      ...(o.minVersion ? { minVersion: o.minVersion } : {}),
    });
    const secured = await ready(handshake, "secureConnect", timeoutMs, `TLS handshake timed out: no answer to the TLS hello within ${timeoutMs / 1000}s`);
    this.socket = secured;
    this.buffer = "";
    this.closed = false;
    this.lastError = undefined;
    this.attach(secured);
    return secured;
  }

  /** Says QUIT (without waiting long) and closes. */
  async close(timeoutMs = 1000): Promise<void> {
    if (!this.closed && !this.socket.destroyed) {
      try {
        await this.command("QUIT", timeoutMs);
      } catch {
        // the server may already be gone; closing is all that matters
      }
    }
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString("latin1");
    this.wake?.();
  };
  private readonly onClose = () => {
    this.closed = true;
    this.wake?.();
  };
  private readonly onError = (err: Error) => {
    this.lastError = err;
    this.wake?.();
  };

  private attach(s: net.Socket): void {
    s.on("data", this.onData);
    s.on("end", this.onClose);
    s.on("close", this.onClose);
    s.on("error", this.onError);
  }

  private detach(s: net.Socket): void {
    s.off("data", this.onData);
    s.off("end", this.onClose);
    s.off("close", this.onClose);
    s.off("error", this.onError);
  }

  /** Takes one complete reply off the buffer, if there is one. */
  private takeReply(): Reply | undefined {
    const lines: string[] = [];
    let rest = this.buffer;
    for (;;) {
      const nl = rest.indexOf("\n");
      if (nl < 0) return undefined;
      const line = rest.slice(0, nl).replace(/\r$/, "");
      rest = rest.slice(nl + 1);
      const m = /^(\d{3})([ -])?(.*)$/.exec(line);
      if (!m) {
        // Not SMTP at all: show what came, and fail the way a client would.
        this.buffer = rest;
        this.transcript.server(line);
        throw new WireError("EPROTOCOL", `Invalid greeting or reply (not SMTP): ${line.slice(0, 120)}`);
      }
      lines.push(line);
      this.transcript.server(line);
      if (m[2] !== "-") {
        this.buffer = rest;
        return { code: Number(m[1]), lines, raw: lines.join("\n") };
      }
    }
  }
}

export interface TlsOptions {
  /** SNI name: the host name (never an IP address). */
  servername?: string;
  /** Extra trusted CA certificates (PEM). */
  ca?: string[];
  minVersion?: tls.SecureVersion;
}

/** The capabilities an EHLO reply lists. */
export interface Capabilities {
  starttls: boolean;
  auth: string[];
  size?: number;
  pipelining: boolean;
  eightBitMime: boolean;
  smtpUtf8: boolean;
  enhancedStatusCodes: boolean;
  all: string[];
}

export function parseEhlo(reply: Reply): Capabilities {
  const keywords = reply.lines.slice(1).map((l) => l.slice(4).trim());
  const find = (name: string) => keywords.find((k) => k.toUpperCase().split(/[\s=]/)[0] === name);
  const auth = keywords
    .filter((k) => /^AUTH[\s=]/i.test(k))
    .flatMap((k) => k.slice(5).trim().toUpperCase().split(/\s+/))
    .filter(Boolean);
  const sizeWord = find("SIZE");
  const size = sizeWord ? Number(sizeWord.split(/\s+/)[1]) : undefined;
  return {
    starttls: find("STARTTLS") !== undefined,
    auth: [...new Set(auth)],
    ...(size !== undefined && Number.isFinite(size) ? { size } : {}),
    pipelining: find("PIPELINING") !== undefined,
    eightBitMime: find("8BITMIME") !== undefined,
    smtpUtf8: find("SMTPUTF8") !== undefined,
    enhancedStatusCodes: find("ENHANCEDSTATUSCODES") !== undefined,
    all: keywords,
  };
}

export function describeCapabilities(c: Capabilities): string {
  const parts: string[] = [];
  parts.push(c.starttls ? "STARTTLS" : "no STARTTLS");
  parts.push(c.auth.length > 0 ? `AUTH ${c.auth.join(" ")}` : "no AUTH");
  if (c.size !== undefined) parts.push(c.size > 0 ? `SIZE ${c.size} (${(c.size / 1024 / 1024).toFixed(0)} MB)` : "SIZE (no limit given)");
  return parts.join(", ");
}

/** The socket once `event` fires; its error, or ETIMEDOUT (the socket destroyed) when nothing happens in time. */
function ready<S extends net.Socket>(socket: S, event: "connect" | "secureConnect", timeoutMs: number, timeoutMessage: string): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WireError("ETIMEDOUT", timeoutMessage));
    }, timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
