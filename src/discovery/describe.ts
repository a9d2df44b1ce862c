import type { Security } from "../config/types.js";
import type { Discovered, Discovery, Source } from "./types.js";
import { KNOWN_PROVIDERS } from "./providers.js";

/** Where a result came from, in words. */
export const SOURCE_WORDS: Record<Source, string> = {
  preset: "mailcfg's built-in providers",
  ispdb: "Thunderbird's ISP database",
  "autoconfig-https": "the domain's autoconfig file (https)",
  mx: "the domain's MX records",
  srv: "the domain's SRV records (RFC 6186)",
  "microsoft-tenant": "Microsoft's sign-in service (the domain is a Microsoft 365 tenant)",
  "autoconfig-http": "the domain's autoconfig file over plain http",
};

const SECURITY_WORDS: Record<Security, string> = { tls: "implicit TLS", starttls: "STARTTLS", none: "no encryption" };

/** "smtp.example.com:465 (implicit TLS)", or the OAuth route's name. */
export function serverWords(d: Discovered): string {
  if (d.auth === "oauth2-google") return "Gmail API with a Google sign-in (Email Services)";
  const server = `${d.host}:${d.port} (${SECURITY_WORDS[d.security]})`;
  return d.auth === "oauth2-microsoft" ? `${server} with a Microsoft sign-in (OAuth)` : server;
}

/** The command that sets a sender up this way, for "company" or "user <id>". */
export function setupCommandFor(d: Discovered, address: string, who = "company"): string {
  if (d.auth === "oauth2-microsoft") return `mailcfg connect-microsoft ${who}`;
  if (d.auth === "oauth2-google") return `mailcfg connect-gmail ${who}`;
  const login = d.username !== address ? ` --username ${d.username}` : "";
  return `mailcfg setup ${who} --host ${d.host} --port ${d.port} --security ${d.security} --email ${address}${login}`;
}

/** What the password route of the found provider needs (app passwords, Microsoft's deadlines). */
export function passwordNote(discovery: Discovery): string | undefined {
  const known = KNOWN_PROVIDERS.find((p) => p.name === discovery.provider);
  return known?.passwordNote;
}

export function sourceWords(d: Discovered): string {
  return `${SOURCE_WORDS[d.source]}${d.trusted ? "" : " (not trusted)"}`;
}

export function untrustedWhy(d: Discovered): string {
  return d.source === "srv" ? "the SRV record names a server outside the address's domain" : "it came over plain http, where anyone on the way could change it";
}
