import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import type { KeyAndCert } from "../../src/tls/throwaway-ca.js";

/**
 * Small raw SMTP servers on 127.0.0.1 that misbehave in the ways real ones do: no
 * greeting, hanging up after EHLO, plain text where TLS is expected, TLS with a bad
 * certificate. Each speaks just enough SMTP (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT,
 * DATA, QUIT) for the client to reach the stage under test.
 */
export interface RawServerOptions {
  /** Implicit TLS from the first byte with this certificate. */
  tls?: KeyAndCert;
  /** Offer STARTTLS and upgrade with this certificate. */
  starttls?: KeyAndCert;
  /** The greeting line; null: accept the connection and never greet. */
  greeting?: string | null;
  /** Accepted logins for AUTH PLAIN; undefined: AUTH is not offered. */
  users?: Record<string, string>;
  /** AUTH mechanisms offered when users are set (default PLAIN). */
  mechanisms?: Array<"PLAIN" | "LOGIN">;
  /** Hang up right after this command (e.g. "EHLO"). */
  closeAfter?: string;
  /**
   * What happens after the final "." of DATA (the message is counted as received in
   * every case): "ok" (default) answers 250; "drop" hangs up without an answer;
   * "silent" never answers; a number answers 250 after that many milliseconds.
   * Called with the number of messages received so far, to misbehave only sometimes.
   */
  afterDot?: (count: number) => "ok" | "drop" | "silent" | number;
  /** Never answer the DATA command itself (a server stalled before the body). */
  silentData?: boolean;
}

export interface RawServer {
  host: string;
  port: number;
  /** Every line clients sent, decoded, for assertions. */
  received: string[];
  /** The Message-ID of every message whose final "." arrived, repeats included. */
  messages: string[];
  close(): Promise<void>;
}

export async function startRawSmtp(o: RawServerOptions): Promise<RawServer> {
  const received: string[] = [];
  const messages: string[] = [];
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket, secured: boolean) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    if (o.greeting !== null) socket.write(`${o.greeting ?? "220 raw.test ESMTP ready"}\r\n`);
    else return; // a silent server: reads nothing, says nothing
    converse(socket, secured);
  };

  const converse = (socket: net.Socket, secured: boolean) => {
    let buffer = "";
    let inData = false;
    let messageId = "";
    let login: { step: "user" | "pass"; user?: string } | undefined;
    const reply = (s: string) => socket.write(s + "\r\n");
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        if (inData) {
          if (line === ".") {
            inData = false;
            messages.push(messageId);
            const then = o.afterDot?.(messages.length) ?? "ok";
            if (then === "drop") {
              socket.destroy();
              return;
            }
            if (typeof then === "number") setTimeout(() => !socket.destroyed && reply("250 2.0.0 queued late"), then);
            else if (then === "ok") reply("250 2.0.0 queued");
          } else if (!messageId) {
            messageId = /^Message-ID:\s*(\S+)/i.exec(line)?.[1] ?? "";
          }
          continue;
        }
        received.push(line);
        if (login) {
          const text = Buffer.from(line, "base64").toString("utf8");
          if (login.step === "user") {
            login = { step: "pass", user: text };
            reply("334 UGFzc3dvcmQ6");
          } else {
            const ok = login.user !== undefined && o.users?.[login.user] === text;
            login = undefined;
            reply(ok ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
          }
          continue;
        }
        const verb = line.split(" ")[0]?.toUpperCase() ?? "";
        if (o.closeAfter && verb === o.closeAfter) {
          socket.destroy();
          return;
        }
        switch (verb) {
          case "EHLO": {
            const caps = ["raw.test"];
            if (o.starttls && !secured) caps.push("STARTTLS");
            if (o.users) caps.push(`AUTH ${(o.mechanisms ?? ["PLAIN"]).join(" ")}`);
            caps.push("SIZE 1000000");
            caps.forEach((c, i) => reply(`250${i === caps.length - 1 ? " " : "-"}${c}`));
            break;
          }
          case "STARTTLS": {
            if (!o.starttls || secured) {
              reply("502 5.5.1 STARTTLS not available");
              break;
            }
            reply("220 2.0.0 Ready to start TLS");
            socket.off("data", onData);
            const upgraded = new tls.TLSSocket(socket, { isServer: true, key: o.starttls.key, cert: o.starttls.cert });
            upgraded.on("error", () => undefined);
            sockets.add(upgraded);
            converse(upgraded, true);
            return;
          }
          case "AUTH": {
            const [, mech, payload] = line.split(" ");
            const offered = o.mechanisms ?? ["PLAIN"];
            if (o.users && mech?.toUpperCase() === "LOGIN" && offered.includes("LOGIN")) {
              login = { step: "user" };
              reply("334 VXNlcm5hbWU6");
              break;
            }
            if (!o.users || mech?.toUpperCase() !== "PLAIN" || !offered.includes("PLAIN") || !payload) {
              reply("504 5.5.4 Unrecognized authentication type");
              break;
            }
            const [, user, pass] = Buffer.from(payload, "base64").toString("utf8").split("\0");
            reply(user !== undefined && o.users[user] === pass ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
            break;
          }
          case "MAIL":
          case "RCPT":
            reply("250 2.1.0 OK");
            break;
          case "DATA":
            if (o.silentData) break;
            inData = true;
            messageId = "";
            reply("354 End data with <CR><LF>.<CR><LF>");
            break;
          case "QUIT":
            reply("221 2.0.0 Bye");
            socket.end();
            return;
          default:
            reply("502 5.5.2 Command not recognized");
        }
      }
    };
    socket.on("data", onData);
  };

  const server = o.tls
    ? tls.createServer({ key: o.tls.key, cert: o.tls.cert }, (s) => onSocket(s, true))
    : net.createServer((s) => onSocket(s, false));
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: "127.0.0.1",
    port,
    received,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
