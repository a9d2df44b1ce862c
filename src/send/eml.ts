import type { OutgoingMail } from "../providers/types.js";
import { nodemailerMessage } from "../providers/compose.js";

/** The message as an RFC 5322 .eml file, built by nodemailer's own MailComposer. */
export async function composeEml(mail: OutgoingMail): Promise<Buffer> {
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer");
  const node = new MailComposer({ ...nodemailerMessage(mail), date: new Date() }).compile();
  // A person opens the file to see who gets the message, Bcc included.
  node.keepBcc = true;
  return new Promise<Buffer>((resolve, reject) => node.build((err, out) => (err ? reject(err) : resolve(out))));
}

export { writeFileAtomic } from "../util/atomic-file.js";
