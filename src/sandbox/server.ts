import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { KeyAndCert } from "../tls/throwaway-ca.js";

export interface ReceivedMessage {
  from: string;
  to: string[];
  user?: string;
  /** The message came over an encrypted connection (STARTTLS or implicit TLS). */
  secure: boolean;
  raw: Buffer;
  file?: string;
}

export interface SmtpServerConfig {
  host?: string;
  port?: number;
  /** Key and certificate for STARTTLS (or implicit TLS with `secure`). */
  tls: KeyAndCert;
  /** Implicit TLS from the first byte, as on port 465. */
  secure?: boolean;
  /** Accepted logins; empty (and no xoauth2) means AUTH is not offered. */
  users: Record<string, string>;
  /**
   * Offer AUTH XOAUTH2 and decide each login: true accepts; otherwise the reply to
   * refuse it with (Microsoft 365 answers `535 5.7.3 Authentication unsuccessful`).
   */
  xoauth2?: (login: { user: string; accessToken: string }) => true | { responseCode: number; message: string };
  /** Allow AUTH before STARTTLS (default false: AUTH only on an encrypted connection). */
  allowInsecureAuth?: boolean;
  /** Offer STARTTLS (default true). false: a plain-text server, AUTH without encryption. */
  starttls?: boolean;
  /** Store each message as an .eml file in this folder. */
  mailDir?: string;
  /** Refuse these recipients with 550 5.1.1. */
  rejectRecipients?: string[];
  /** Refuse MAIL FROM for addresses the logged-in user may not send as (5.7.60). */
  enforceSendAs?: boolean;
  onMessage?: (m: ReceivedMessage) => void;
}

export interface RunningSmtpServer {
  host: string;
  port: number;
  messages: ReceivedMessage[];
  /** How many connections clients opened so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) for the sandbox and the tests: STARTTLS or implicit
 * TLS with the given certificate, AUTH PLAIN/LOGIN against a fixed user table.
 */
export async function startSmtpServer(cfg: SmtpServerConfig): Promise<RunningSmtpServer> {
  const host = cfg.host ?? "127.0.0.1";
  if (cfg.mailDir) mkdirSync(cfg.mailDir, { recursive: true });
  const state: ServerState = { messages: [], connections: 0, saved: 0 };
  const server = new SMTPServer(serverOptions(cfg, state));
  server.on("error", () => {
    // client errors (bad TLS, dropped sockets) are the client's story, not the server's
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port ?? 0, host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    host,
    port,
    messages: state.messages,
    connections: () => state.connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What the server has seen so far. */
interface ServerState {
  messages: ReceivedMessage[];
  /** Connections opened by clients. */
  connections: number;
  /** Messages written to mailDir, for the file names. */
  saved: number;
}

function serverOptions(cfg: SmtpServerConfig, state: ServerState): SMTPServerOptions {
  const passwordAuth = Object.keys(cfg.users).length > 0;
  const authEnabled = passwordAuth || cfg.xoauth2 !== undefined;
  return {
    secure: cfg.secure ?? false,
    key: cfg.tls.key,
    cert: cfg.tls.cert,
    name: "mailcfg-sandbox",
    banner: "mailcfg sandbox ready",
    authMethods: [...(passwordAuth || !cfg.xoauth2 ? ["PLAIN", "LOGIN"] : []), ...(cfg.xoauth2 ? ["XOAUTH2"] : [])],
    authOptional: !authEnabled,
    allowInsecureAuth: cfg.allowInsecureAuth ?? false,
    disabledCommands: [...(authEnabled ? [] : ["AUTH"]), ...(cfg.starttls === false ? ["STARTTLS"] : [])],
    size: 30 * 1024 * 1024,
    logger: false,
    // Clients are on loopback: a reverse DNS lookup only delays the greeting.
    disableReverseLookup: true,
    onConnect(_session, cb) {
      state.connections += 1;
      cb();
    },
    onAuth: authHandler(cfg),
    onMailFrom(address, session, cb) {
      if (cfg.enforceSendAs && session.user && address.address.toLowerCase() !== String(session.user).toLowerCase()) {
        return cb(refusal(550, `5.7.60 SMTP; Client does not have permissions to send as this sender (${address.address})`));
      }
      cb();
    },
    onRcptTo(address, _session, cb) {
      if (cfg.rejectRecipients?.includes(address.address.toLowerCase())) {
        return cb(refusal(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`));
      }
      cb();
    },
    onData: dataHandler(cfg, state),
  };
}

/** XOAUTH2 logins go to cfg.xoauth2; passwords are checked against the user table. */
function authHandler(cfg: SmtpServerConfig): NonNullable<SMTPServerOptions["onAuth"]> {
  return (auth, _session, cb) => {
    if (auth.method === "XOAUTH2" && cfg.xoauth2) {
      const verdict = cfg.xoauth2({ user: auth.username ?? "", accessToken: auth.accessToken ?? "" });
      if (verdict === true) return cb(null, { user: auth.username });
      return cb(refusal(verdict.responseCode, verdict.message));
    }
    const expected = cfg.users[auth.username ?? ""];
    if (expected !== undefined && auth.password === expected) return cb(null, { user: auth.username });
    return cb(refusal(535, "5.7.8 Authentication credentials invalid"));
  };
}

/** Keeps each message (and writes it to mailDir as an .eml file) before accepting it. */
function dataHandler(cfg: SmtpServerConfig, state: ServerState): NonNullable<SMTPServerOptions["onData"]> {
  return (stream, session, cb) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const raw = Buffer.concat(chunks);
      const m: ReceivedMessage = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
        to: session.envelope.rcptTo.map((r) => r.address),
        secure: session.secure,
        raw,
      };
      if (session.user) m.user = String(session.user);
      if (cfg.mailDir) {
        state.saved += 1;
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        m.file = join(cfg.mailDir, `${stamp}-${String(state.saved).padStart(4, "0")}.eml`);
        writeFileSync(m.file, raw);
      }
      state.messages.push(m);
      cfg.onMessage?.(m);
      cb(null, "2.0.0 Message accepted by mailcfg sandbox");
    });
  };
}

/** An SMTP refusal as smtp-server sends it: the reply code and its text. */
function refusal(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}
