import { Readable } from "node:stream";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import MailComposer from "nodemailer/lib/mail-composer";
import type Mail from "nodemailer/lib/mailer/index.js";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { EarlyConnection } from "./early-connection.js";
import type { SendHooks } from "./types.js";

/**
 * One SMTP connection, connected and logged in, kept open for a message or two.
 *
 * Validation logs in and then sends a test mail. nodemailer's transport opens a new
 * connection for each of those; a session lets the test mail go over the connection
 * that was just verified, as a mail client would. That halves the cost of a validation:
 * every connection pays for the greeting (smtp-server holds it back 100 ms to catch
 * early talkers, busy providers far longer), the TLS handshake and the login.
 */
export interface SmtpSession {
  /** False once the server closed the connection or it failed. */
  usable(): boolean;
  send(mail: Mail.Options, hooks?: SendHooks): Promise<SMTPTransport.SentMessageInfo>;
  quit(): void;
}

/**
 * Set on an error that came after the whole body and its final "." were handed to the
 * connection, with no reply to it: the server may have accepted the message.
 */
export const MAYBE_DELIVERED = Symbol("maybeDelivered");

export function maybeDelivered(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[MAYBE_DELIVERED] === true;
}

/**
 * Connects, upgrades or not as the options say, and logs in when the server offers AUTH
 * (like transport.verify()). Over the early connection when it connected.
 */
export async function openSmtpSession(options: SMTPTransport.Options, early?: EarlyConnection): Promise<SmtpSession> {
  const socket = await early?.take();
  return new Promise((resolve, reject) => {
    const conn = new SMTPConnection({ ...(options as SMTPConnection.Options), ...(socket ? { connection: socket } : {}) });
    // Without it (the early connection failed or timed out), connecting again gets only
    // what is left of the one connection timeout. nodemailer reads this field when a
    // proxy connection came first; it is not in its typings.
    if (early && !socket) (conn as unknown as { _connectStartedAt?: number })._connectStartedAt = early.startedAt;
    let settled = false;
    let open = true;
    const fail = (err: unknown) => {
      open = false;
      if (settled) return;
      settled = true;
      conn.close();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    conn.on("error", fail);
    conn.once("end", () => fail(new Error("Connection closed")));
    const ready = () => {
      if (settled) return;
      settled = true;
      resolve(session(conn, () => open && !conn.destroyed));
    };
    conn.connect((err) => {
      if (err) return fail(err);
      const allowsAuth = (conn as unknown as { allowsAuth?: boolean }).allowsAuth === true;
      if (options.auth && allowsAuth) conn.login(options.auth as SMTPConnection.Credentials, (e) => (e ? fail(e) : ready()));
      else ready();
    });
  });
}

function session(conn: SMTPConnection, usable: () => boolean): SmtpSession {
  return {
    usable,
    async send(mail, hooks = {}) {
      const message = new MailComposer(mail).compile();
      const envelope = message.getEnvelope();
      const messageId = message.messageId();
      const raw = await message.build();
      // nodemailer reads the body only after the server accepted DATA, and writes the
      // final "." once the body has ended: the body stream tells which side of it a
      // failure falls on.
      let bodyEnded = false;
      let started = false;
      const body = new Readable({
        read() {
          if (started) return;
          started = true;
          Promise.resolve(hooks.beforeBody?.()).then(
            () => {
              this.push(raw);
              this.push(null);
            },
            (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
          );
        },
      });
      body.once("end", () => (bodyEnded = true));
      return new Promise((resolve, reject) => {
        const onError = (err: Error & { responseCode?: number }) => {
          // A reply to the final "." (a 4xx or 5xx refusal) is an answer; silence or a lost connection is not.
          if (bodyEnded && !err.responseCode) (err as unknown as Record<symbol, boolean>)[MAYBE_DELIVERED] = true;
          reject(err);
        };
        conn.once("error", onError);
        conn.send(envelope, body, (err, info) => {
          conn.off("error", onError);
          if (err) return onError(err);
          resolve({ ...info, envelope, messageId } as SMTPTransport.SentMessageInfo);
        });
      });
    },
    quit() {
      if (usable()) conn.quit();
      else conn.close();
    },
  };
}

/**
 * Connections kept open between messages, as many as there are sends at once: the
 * queue's pool. Its own (rather than nodemailer's pooled transport) because each send
 * must tell whether the final "." went out (see SendHooks).
 */
export function sessionPool(open: () => Promise<SmtpSession>) {
  const idle: SmtpSession[] = [];
  return {
    async send(mail: Mail.Options, hooks?: SendHooks): Promise<SMTPTransport.SentMessageInfo> {
      let s = idle.pop();
      while (s && !s.usable()) {
        s.quit();
        s = idle.pop();
      }
      s ??= await open();
      try {
        const info = await s.send(mail, hooks);
        idle.push(s);
        return info;
      } catch (err) {
        s.quit();
        throw err;
      }
    },
    close() {
      for (const s of idle.splice(0)) s.quit();
    },
  };
}
