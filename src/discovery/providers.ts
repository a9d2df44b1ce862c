import type { Security } from "../config/types.js";
import type { DiscoveredAuth } from "./types.js";

/**
 * The providers mailcfg knows without asking anyone: the address's domain, or the
 * domain its MX records point to, names the provider. Each row lists its routes in the
 * order offered: an OAuth route first where the product has one (Microsoft 365:
 * connect-microsoft; Google: connect-gmail), then the password route.
 * Submission settings as each provider documents them (checked November 2026).
 */
export interface KnownProvider {
  id: string;
  name: string;
  /** Address domains. */
  domains: string[];
  /** Domains the provider's MX hosts sit in (the MX host minus its first label, or its base domain). */
  mxDomains: string[];
  routes: Array<{ type: "webmail" | "gmail"; host: string; port: number; security: Security; auth: DiscoveredAuth }>;
  /** What the password route needs, said when it is offered. */
  passwordNote?: string;
}

const office365 = { type: "webmail", host: "smtp.office365.com", port: 587, security: "starttls" } as const;
const gmailSmtp = { type: "webmail", host: "smtp.gmail.com", port: 587, security: "starttls", auth: "password" } as const;
/** Email Services: the Gmail API after a Google sign-in (connect-gmail). */
export const GMAIL_API_ROUTE = { type: "gmail", host: "gmail.googleapis.com", port: 443, security: "tls", auth: "oauth2-google" } as const;
const gmailApi = GMAIL_API_ROUTE;

const MICROSOFT_PASSWORD_NOTE =
  "SMTP AUTH with a password is disabled by default for existing tenants from the end of December 2026 and removed later (Microsoft notice MC786329); it must be enabled for the mailbox.";
const GOOGLE_PASSWORD_NOTE =
  "SMTP needs an App Password (2-Step Verification on, then https://myaccount.google.com/apppasswords), not the account password.";

export const KNOWN_PROVIDERS: KnownProvider[] = [
  {
    id: "microsoft365",
    name: "Microsoft 365",
    domains: ["onmicrosoft.com"],
    mxDomains: ["mail.protection.outlook.com", "protection.outlook.com"],
    routes: [
      { ...office365, auth: "oauth2-microsoft" },
      { ...office365, auth: "password" },
    ],
    passwordNote: MICROSOFT_PASSWORD_NOTE,
  },
  {
    id: "outlook",
    name: "Outlook.com",
    domains: ["outlook.com", "hotmail.com", "live.com", "msn.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es", "live.co.uk", "live.fr", "live.de", "outlook.de", "outlook.fr"],
    mxDomains: ["olc.protection.outlook.com"],
    routes: [{ type: "webmail", host: "smtp-mail.outlook.com", port: 587, security: "starttls", auth: "password" }],
    passwordNote: "Microsoft has been turning off password sign-in for Outlook.com mail apps since September 2024; an app password may still work where 2-step verification is on.",
  },
  {
    id: "gmail",
    name: "Gmail",
    domains: ["gmail.com", "googlemail.com"],
    mxDomains: [],
    routes: [gmailApi, gmailSmtp],
    passwordNote: GOOGLE_PASSWORD_NOTE,
  },
  {
    id: "google-workspace",
    name: "Google Workspace",
    domains: [],
    mxDomains: ["google.com", "googlemail.com", "l.google.com", "smtp.google.com"],
    routes: [gmailApi, gmailSmtp],
    passwordNote: GOOGLE_PASSWORD_NOTE,
  },
  {
    id: "yahoo",
    name: "Yahoo Mail",
    domains: ["yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es", "ymail.com", "rocketmail.com"],
    mxDomains: ["yahoodns.net"],
    routes: [{ type: "webmail", host: "smtp.mail.yahoo.com", port: 465, security: "tls", auth: "password" }],
    passwordNote: "Yahoo needs an app password (Account security > Generate app password).",
  },
  {
    id: "aol",
    name: "AOL Mail",
    domains: ["aol.com", "aim.com"],
    mxDomains: [],
    routes: [{ type: "webmail", host: "smtp.aol.com", port: 465, security: "tls", auth: "password" }],
    passwordNote: "AOL needs an app password (Account security > Generate app password).",
  },
  {
    id: "icloud",
    name: "iCloud Mail",
    domains: ["icloud.com", "me.com", "mac.com"],
    mxDomains: ["mail.icloud.com", "icloud.com"],
    routes: [{ type: "webmail", host: "smtp.mail.me.com", port: 587, security: "starttls", auth: "password" }],
    passwordNote: "iCloud needs an app-specific password (account.apple.com > Sign-In and Security).",
  },
  {
    id: "zoho",
    name: "Zoho Mail",
    domains: ["zoho.com", "zohomail.com"],
    mxDomains: ["zoho.com", "zohomail.com"],
    routes: [{ type: "webmail", host: "smtp.zoho.com", port: 465, security: "tls", auth: "password" }],
  },
  {
    id: "zoho-eu",
    name: "Zoho Mail (EU)",
    domains: ["zoho.eu", "zohomail.eu"],
    mxDomains: ["zoho.eu", "zohomail.eu"],
    routes: [{ type: "webmail", host: "smtp.zoho.eu", port: 465, security: "tls", auth: "password" }],
  },
  {
    id: "fastmail",
    name: "Fastmail",
    domains: ["fastmail.com", "fastmail.fm", "fastmail.net", "fastmail.org", "fastmail.uk", "fastmail.us", "sent.com", "messagingengine.com"],
    mxDomains: ["messagingengine.com"],
    routes: [{ type: "webmail", host: "smtp.fastmail.com", port: 465, security: "tls", auth: "password" }],
    passwordNote: "Fastmail needs an app password (Settings > Privacy & Security > App passwords).",
  },
  {
    id: "gmx-com",
    name: "GMX",
    domains: ["gmx.com", "gmx.us", "gmx.co.uk"],
    mxDomains: ["gmx.com"],
    routes: [{ type: "webmail", host: "mail.gmx.com", port: 587, security: "starttls", auth: "password" }],
  },
  {
    id: "gmx",
    name: "GMX (Germany, Austria, Switzerland)",
    domains: ["gmx.net", "gmx.de", "gmx.at", "gmx.ch"],
    mxDomains: ["gmx.net"],
    routes: [{ type: "webmail", host: "mail.gmx.net", port: 587, security: "starttls", auth: "password" }],
  },
  {
    id: "godaddy",
    name: "GoDaddy Workspace Email",
    domains: [],
    mxDomains: ["secureserver.net"],
    routes: [{ type: "webmail", host: "smtpout.secureserver.net", port: 465, security: "tls", auth: "password" }],
  },
];

export function providerByDomain(domain: string): KnownProvider | undefined {
  return KNOWN_PROVIDERS.find((p) => p.domains.includes(domain));
}

export function providerByMxDomain(domain: string): KnownProvider | undefined {
  return KNOWN_PROVIDERS.find((p) => p.mxDomains.includes(domain));
}

export function providerById(id: string): KnownProvider | undefined {
  return KNOWN_PROVIDERS.find((p) => p.id === id);
}
