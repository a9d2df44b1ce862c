import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";
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

/** Writes a file so that it is either the old one or the whole new one: temp file, fsync, rename. */
export function writeFileAtomic(path: string, data: Buffer | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${globalThis.crypto.randomUUID().slice(0, 12)}.tmp`);
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
