import { readFileSync } from "node:fs";
import { UsageError } from "../errors.js";
import type { Owner, Profile, SenderIdentity, Signature } from "./types.js";
import { checkHeaderValue } from "./fields.js";

/**
 * The display name the wizard offers: the user id for a User Email; for the Company
 * Email the address's local part in words ("accounts.payable" -> "Accounts Payable").
 */
export function defaultDisplayName(owner: Owner, email: string): string {
  if (owner.kind === "user") return owner.id;
  const local = email.slice(0, Math.max(0, email.lastIndexOf("@"))) || email;
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

export function checkDisplayName(value: string, field = "--name"): string {
  const v = checkHeaderValue(value, field).trim();
  if (v.length === 0 || v.length > 200) throw new UsageError(`${field}: give a display name of 1 to 200 characters, e.g. --name "Acme Sales".`);
  return v;
}

export interface IdentityFlags {
  name?: string;
  signature?: string;
  signatureFile?: string;
  signatureHtmlFile?: string;
}

function readSignatureFile(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8").replace(/\s+$/, "");
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}).`);
  }
}

/** The identity the flags ask for (only what they name), checked; a usage error names the flag. */
export function identityFromFlags(f: IdentityFlags): SenderIdentity {
  const out: SenderIdentity = {};
  if (f.name !== undefined) out.name = checkDisplayName(f.name);
  if (f.signature !== undefined && f.signatureFile !== undefined) {
    throw new UsageError("Give the signature once: --signature <text> or --signature-file <file>, not both.");
  }
  const text = f.signatureFile !== undefined ? readSignatureFile(f.signatureFile, "--signature-file") : f.signature?.replace(/\\n/g, "\n");
  const html = f.signatureHtmlFile !== undefined ? readSignatureFile(f.signatureHtmlFile, "--signature-html-file") : undefined;
  if (html !== undefined && text === undefined) {
    throw new UsageError("--signature-html-file needs the plain-text signature beside it: --signature <text> or --signature-file <file>.");
  }
  if (text !== undefined) {
    const sig: Signature = { text };
    if (html !== undefined) sig.html = html;
    out.signature = sig;
  }
  return out;
}

/** A profile's display name and signature as template variables (text) and their HTML forms. */
export function identityVariables(p: Profile): { vars: Record<string, string>; html: Record<string, string> } {
  const name = p.name ?? p.email;
  const text = p.signature?.text ?? (p.name ? `${p.name}\n${p.email}` : p.email);
  const vars = { sender: p.email, name, signature: text };
  return p.signature?.html !== undefined ? { vars, html: { signature: p.signature.html } } : { vars, html: {} };
}
