import type { Security } from "../config/types.js";

/** The Webmail presets the product offers, and what each needs. */
export interface WebmailPreset {
  id: "microsoft" | "microsoft-oauth" | "microsoft-graph" | "gmail" | "other";
  name: string;
  host?: string;
  port: number;
  security: Security;
  note?: string;
}

export const WEBMAIL_PRESETS: WebmailPreset[] = [
  {
    id: "microsoft",
    name: "Microsoft 365 (smtp.office365.com)",
    host: "smtp.office365.com",
    port: 587,
    security: "starttls",
    note:
      "Microsoft disables password sign-in for SMTP (SMTP AUTH) by default for existing tenants from the end of December 2026 (notice MC786329). SMTP AUTH must be enabled for the mailbox.",
  },
  {
    // Runs the connect-microsoft sign-in instead of asking for a password.
    id: "microsoft-oauth",
    name: "Microsoft 365 (OAuth): sign in with Microsoft, no password",
    host: "smtp.office365.com",
    port: 587,
    security: "starttls",
    note: "Needs the organisation's Entra app registration (client id) with the SMTP.Send permission; SMTP AUTH must be enabled for the mailbox.",
  },
  {
    // Runs the connect-microsoft sign-in with --via graph: no SMTP at all.
    id: "microsoft-graph",
    name: "Microsoft 365 (Microsoft Graph): sign in with Microsoft, no password, no SMTP AUTH",
    host: "graph.microsoft.com",
    port: 443,
    security: "tls",
    note: "Needs the organisation's Entra app registration (client id) with the Microsoft Graph permissions Mail.Send and Mail.ReadWrite.",
  },
  {
    id: "gmail",
    name: "Gmail (smtp.gmail.com)",
    host: "smtp.gmail.com",
    port: 587,
    security: "starttls",
    note:
      "Gmail needs an App Password, not the account password: turn on 2-Step Verification, then create one at https://myaccount.google.com/apppasswords.",
  },
  { id: "other", name: "Other SMTP server", port: 587, security: "starttls" },
];

export function isGmailHost(host: string): boolean {
  return /(^|\.)(gmail|googlemail)\.com$/i.test(host) || /^smtp-relay\.gmail\.com$/i.test(host);
}

export function isMicrosoftHost(host: string): boolean {
  return /(^|\.)(office365\.com|outlook\.com)$/i.test(host);
}

/** The usual security for a port: 465 is implicit TLS, everything else STARTTLS. */
export function defaultSecurityForPort(port: number): Security {
  return port === 465 ? "tls" : "starttls";
}
