import { isIP } from "node:net";
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { WebmailSettings } from "../config/types.js";
import { MailError } from "../errors.js";
import { classifyText, errorText, type Classification } from "../diagnosis/classify.js";
import { redact } from "../diagnosis/redact.js";
import type { ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent } from "./types.js";
import { isMicrosoftHost, isGmailHost } from "./presets.js";

/** nodemailer options for a Webmail profile: the security setting made precise. */
export function smtpTransportOptions(s: WebmailSettings, password: string | undefined, o: ConnectOptions): SMTPTransport.Options {
  return {
    host: s.host,
    port: s.port,
    secure: s.security === "tls", // implicit TLS from the first byte (465)
    requireTLS: s.security === "starttls", // refuse to log in unless STARTTLS succeeded
    ignoreTLS: s.security === "none",
    auth: password === undefined ? undefined : { user: s.username ?? s.email, pass: password },
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs * 2,
    dnsTimeout: o.timeoutMs,
    tls: { ...(isIP(s.host) ? {} : { servername: s.host }), ...(o.ca && o.ca.length > 0 ? { ca: o.ca } : {}) },
    pool: o.pool ?? false,
    ...(o.pool && o.maxConnections ? { maxConnections: o.maxConnections } : {}),
    ...(o.onLog ? { logger: lineLogger(o.onLog, password), debug: true } : { logger: false }),
  };
}

export function createSmtpProvider(s: WebmailSettings, password: string | undefined, o: ConnectOptions): MailProvider {
  const transport = nodemailer.createTransport(smtpTransportOptions(s, password, o));
  const fail = (err: unknown) => smtpFailure(err, s, password);
  return {
    type: "webmail",
    async verify(): Promise<Evidence> {
      try {
        await transport.verify();
      } catch (err) {
        throw fail(err);
      }
      return {
        summary: `Connected to ${s.host}:${s.port} (${securityWords(s)}) and logged in as ${s.username ?? s.email}.`,
        facts: { host: s.host, port: String(s.port), security: s.security },
      };
    },
    async send(mail: OutgoingMail): Promise<Sent> {
      let info: SMTPTransport.SentMessageInfo;
      try {
        info = await transport.sendMail({
          from: mail.from ?? s.email,
          to: mail.to,
          cc: mail.cc,
          bcc: mail.bcc,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          attachments: mail.attachments,
          messageId: mail.messageId,
          headers: mail.headers,
        });
      } catch (err) {
        throw fail(err);
      }
      return {
        messageId: info.messageId,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map(String),
        response: info.response,
      };
    },
    async close() {
      transport.close();
    },
  };
}

export function securityWords(s: Pick<WebmailSettings, "security" | "port">): string {
  if (s.security === "tls") return "implicit TLS";
  if (s.security === "starttls") return "STARTTLS";
  return "no encryption";
}

/** Turns a nodemailer failure into a classified MailError, using what we know of the settings. */
export function smtpFailure(err: unknown, s: WebmailSettings, password?: string): MailError {
  const text = redact(errorText(err), [password]);
  const c = refine(classifyText(text), text, s);
  const e = err as { command?: string; response?: string; message?: string };
  const stage = e.command ? `at ${e.command.replace(/^AUTH\s+(\S+).*/i, "AUTH $1")}` : undefined;
  const reply = redact(e.response ?? e.message ?? String(err), [password]);
  const evidence = [stage, `${s.host}:${s.port} (${securityWords(s)})`, reply].filter(Boolean).join(": ");
  return new MailError(c.category, `${s.host}:${s.port}: ${c.cause}`, {
    hint: c.fix.join(" "),
    evidence,
    ...(c.productMessage ? { productMessage: c.productMessage } : {}),
    ...(c.code ? { code: c.code } : {}),
    ...(c.provider ? { provider: c.provider } : {}),
    cause: err,
  });
}

/** Context the text alone cannot give: the port, the SSL choice, the provider. */
function refine(c: Classification, text: string, s: WebmailSettings): Classification {
  const greetingTimeout = /Greeting never received/i.test(text);
  if (greetingTimeout && s.security !== "tls" && s.port === 465) {
    return {
      ...c,
      category: "ssl",
      cause: "Port 465 expects implicit TLS, but the client waited for a plain-text greeting (SSL setting wrong for this port).",
      fix: ["Use --security tls with port 465, or port 587 with --security starttls."],
    };
  }
  if (c.rowId === "tls-wrong-version" && s.security === "tls") {
    return {
      ...c,
      cause: `Port ${s.port} answers in plain text (it expects STARTTLS), but the SSL setting is implicit TLS.`,
      fix: [`Use --security starttls with port ${s.port} (or port 465 with --security tls).`],
    };
  }
  if (c.category === "auth" && !c.provider && isGmailHost(s.host)) {
    return { ...c, provider: "Gmail", fix: [...c.fix, "Gmail needs an App Password: https://myaccount.google.com/apppasswords."] };
  }
  if (c.category === "auth" && !c.provider && isMicrosoftHost(s.host)) {
    return {
      ...c,
      provider: "Microsoft 365",
      fix: [...c.fix, "Password sign-in for SMTP is disabled by default from the end of December 2026; connect with OAuth: mailcfg connect-microsoft."],
    };
  }
  return c;
}

type LogFn = (entry: unknown, msg?: string, ...args: unknown[]) => void;

/** A nodemailer logger that hands each protocol line, secrets masked, to onLog. */
function lineLogger(onLog: (line: string) => void, password: string | undefined): Record<string, LogFn> {
  const emit: LogFn = (entry, msg, ...args) => {
    let line = typeof msg === "string" ? msg : typeof entry === "string" ? entry : "";
    for (const a of args) line = line.replace(/%s/, String(a));
    onLog(redact(line, [password]));
  };
  return { trace: emit, debug: emit, info: emit, warn: emit, error: emit, fatal: emit };
}
