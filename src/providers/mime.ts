import MailComposer from "nodemailer/lib/mail-composer";
import type { OutgoingMail } from "./types.js";
import { nodemailerMessage } from "./compose.js";

/**
 * The RFC 822 message as the HTTP APIs take it (Gmail's raw, Graph's MIME sendMail):
 * composed by nodemailer from the same fields as the SMTP transport, with the Bcc header
 * kept, since these APIs read the recipients from the headers.
 */
export async function composeMime(mail: OutgoingMail, account: string): Promise<{ mime: Buffer; messageId: string; recipients: string[] }> {
  const node = new MailComposer(nodemailerMessage(mail, account)).compile();
  node.keepBcc = true;
  const mime = await node.build();
  return { mime, messageId: node.messageId(), recipients: [...mail.to, ...(mail.cc ?? []), ...(mail.bcc ?? [])] };
}
