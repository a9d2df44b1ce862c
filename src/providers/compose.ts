import type Mail from "nodemailer/lib/mailer/index.js";
import type { OutgoingMail } from "./types.js";

/**
 * The one mapping from our OutgoingMail to nodemailer's message fields, used by the
 * SMTP transport, the Gmail raw message and the .eml file alike, so the three never
 * disagree about a header.
 */
export function nodemailerMessage(mail: OutgoingMail, defaultFrom?: string): Mail.Options {
  return {
    from: withName(mail.from ?? defaultFrom, mail.fromName),
    to: mail.to,
    cc: mail.cc,
    bcc: mail.bcc,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    attachments: mail.attachments,
    messageId: mail.messageId,
    headers: mail.headers,
  };
}

/** nodemailer quotes and encodes a display name given as { name, address }. */
function withName(address: string | undefined, name: string | undefined): Mail.Options["from"] {
  return address !== undefined && name ? { name, address } : address;
}
