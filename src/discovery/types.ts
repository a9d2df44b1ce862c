import type { SecureContext } from "node:tls";
import type { Security } from "../config/types.js";

/** Where a discovered setting came from, in priority order (the first is the most trusted). */
export const SOURCES = ["preset", "ispdb", "autoconfig-https", "mx", "srv", "microsoft-tenant", "autoconfig-http"] as const;
export type Source = (typeof SOURCES)[number];

/**
 * How the sender signs in: a password over SMTP, or an OAuth connection (Microsoft 365
 * over SMTP with XOAUTH2: connect-microsoft; Gmail through its API: connect-gmail).
 */
export type DiscoveredAuth = "password" | "oauth2-microsoft" | "oauth2-google";

/** One way to send from the address: settings a profile can be made of. */
export interface Discovered {
  /** The service type of the profile: webmail (SMTP) or gmail (Email Services). */
  type: "webmail" | "gmail";
  host: string;
  port: number;
  security: Security;
  /** The login name: the address, or what the source says (e.g. the local part). */
  username: string;
  auth: DiscoveredAuth;
  source: Source;
  /** false: reached over plain http (or a redirect through it), or named by records outside the domain; ask before using. */
  trusted: boolean;
}

/** One look-up and how it went. */
export interface Lookup {
  source: Source;
  target: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Discovery {
  address: string;
  settings: Discovered | null;
  candidates: Discovered[];
  provider: string | null;
  lookups: Lookup[];
}

export interface DiscoverOptions {
  /** The whole discovery answers within this time. */
  timeoutMs: number;
  /** DNS servers ("127.0.0.1:5353") instead of the system resolver. */
  dnsServers?: string[];
  /** Ports instead of 443 / 80 for autoconfig (test rigs, loopback only). */
  ports?: { https?: number; http?: number };
  secureContext?: SecureContext;
  /** Where the Microsoft tenant look-up goes (https://login.microsoftonline.com, or a test rig's origin). */
  microsoftOrigin: string;
}
