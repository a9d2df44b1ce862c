/**
 * What a saved sender is, as one row per kind instead of a switch in every file that
 * cares: its secret, how it is described, the server it names, the command that connects
 * it again. The providers keep their own row per kind (how it is loaded), keyed the same.
 */
import { exchangeLoginName } from "./exchange-fields.js";
import type { ExchangeSettings, GmailSettings, ProviderSettings, WebmailSettings } from "./types.js";

export type SenderKind = "smtp" | "microsoft-smtp" | "microsoft-graph" | "exchange" | "gmail";

/** Which row a profile is: the service type, and for Microsoft 365 with OAuth its transport. */
export function senderKind(s: ProviderSettings): SenderKind {
  if (s.type === "webmail") return s.auth !== "oauth2-microsoft" ? "smtp" : s.transport === "graph" ? "microsoft-graph" : "microsoft-smtp";
  return s.type;
}

interface SenderKindRow<S extends ProviderSettings> {
  secret: "password" | "refresh-token";
  /** One line naming where the profile sends from and through what. */
  describe(s: S): string;
  /** The server it sends through, for tables. */
  server(s: S): string;
  /** The command that connects it again (OAuth), given the owner's words ("company", "user jdoe"). */
  reconnect?(owner: string): string;
  /** Whose sign-in holds its refresh token (OAuth kinds). */
  signIn?: "google" | "microsoft";
  /** What status notes about how it signs in, if anything. */
  note?(s: S): string;
}

const SECURITY = { tls: "implicit TLS", starttls: "STARTTLS", none: "no TLS" } as const;

const ROWS: { [K in SenderKind]: SenderKindRow<K extends "exchange" ? ExchangeSettings : K extends "gmail" ? GmailSettings : WebmailSettings> } = {
  smtp: {
    secret: "password",
    describe: (s) => `${s.email} via ${s.host}:${s.port} (${SECURITY[s.security]})`,
    server: (s) => `${s.host}:${s.port}`,
  },
  "microsoft-smtp": {
    secret: "refresh-token",
    describe: (s) => `${s.email} via ${s.host}:${s.port} (${SECURITY[s.security]}, OAuth)`,
    server: (s) => `${s.host}:${s.port}`,
    reconnect: (owner) => `mailcfg connect-microsoft ${owner}`,
    signIn: "microsoft",
  },
  "microsoft-graph": {
    secret: "refresh-token",
    describe: (s) => `${s.email} via Microsoft Graph (OAuth)`,
    server: () => "Microsoft Graph",
    reconnect: (owner) => `mailcfg connect-microsoft ${owner} --via graph`,
    signIn: "microsoft",
  },
  exchange: {
    secret: "password",
    describe: (s) => `${s.email} via Exchange ${s.ewsUrl} as ${exchangeLoginName(s)}`,
    server: (s) => s.ewsUrl,
    note: (s) => `signs in as ${exchangeLoginName(s)}`,
  },
  gmail: {
    secret: "refresh-token",
    describe: (s) => `${s.email} via the Gmail API`,
    server: () => "Gmail API",
    reconnect: (owner) => `mailcfg connect-gmail ${owner}`,
    signIn: "google",
  },
};

/** The row of a profile (typed loosely: each row reads only its own kind's fields). */
export function kindRow(s: ProviderSettings): SenderKindRow<ProviderSettings> {
  return ROWS[senderKind(s)] as SenderKindRow<ProviderSettings>;
}
