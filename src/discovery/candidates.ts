import type { Security } from "../config/types.js";
import { isGmailHost, isMicrosoftHost } from "../providers/presets.js";
import type { OutgoingServer, SocketType } from "./config-xml.js";
import { GMAIL_API_ROUTE, type KnownProvider } from "./providers.js";
import type { Discovered, Source } from "./types.js";

// Turning what a look-up found (a known provider, an autoconfig document) into the
// settings a profile can be made of. No network here.

/** What one look-up found: settings, and the provider's name when it knows one. */
export interface Found {
  candidates: Discovered[];
  provider?: string;
}

const SECURITY: Record<SocketType, Security> = { SSL: "tls", STARTTLS: "starttls", plain: "none" };

export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf("@");
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase().replace(/\.$/, "") };
}

/** A known provider's routes for the address, OAuth first where there is one. */
export function fromProvider(p: KnownProvider, address: string, source: Source): Found {
  return { provider: p.name, candidates: p.routes.map((r) => ({ ...r, username: address, source, trusted: true })) };
}

/**
 * An autoconfig / ISPDB server as candidates: the password route, and before it the
 * OAuth route the product has for Microsoft 365 and Google hosts when the server offers
 * OAuth2. OAuth2 on any other server is left out: mailcfg has no generic OAuth client.
 */
export function fromServers(servers: OutgoingServer[], address: string, source: Source, trusted: boolean): Discovered[] {
  const { local, domain } = splitAddress(address);
  const out: Discovered[] = [];
  // Encrypted servers first, in the document's order; plain last.
  const ordered = [...servers.filter((s) => s.socketType !== "plain"), ...servers.filter((s) => s.socketType === "plain")];
  for (const s of ordered) {
    const host = s.hostname.replace(/%EMAILDOMAIN%/g, domain);
    const base = { type: "webmail" as const, host, port: s.port, security: SECURITY[s.socketType], username: s.username === "address" ? address : local, source, trusted };
    if (s.auth.includes("oauth2") && isMicrosoftHost(host)) out.push({ ...base, auth: "oauth2-microsoft" });
    if (s.auth.includes("oauth2") && isGmailHost(host)) out.push({ ...GMAIL_API_ROUTE, username: address, source, trusted });
    if (s.auth.includes("password")) out.push({ ...base, auth: "password" });
  }
  return out;
}

/** The domains an MX host may name its provider by: the host minus its first label, then its base domain. */
export function mxDomains(host: string): string[] {
  const labels = host.toLowerCase().replace(/\.$/, "").split(".");
  const parent = labels.slice(1).join(".");
  // A base domain is the last two labels, or three under a short second-level one (co.uk, com.au).
  const tail = labels.slice(-2);
  const base = labels.length > 2 && tail[0] && tail[0].length <= 3 && (tail[1]?.length ?? 0) === 2 ? labels.slice(-3).join(".") : tail.join(".");
  return [...new Set([parent, base].filter((d) => d.includes(".")))];
}
