import type { Remedy } from "../failures/facts.js";
import { kindRow } from "./sender-kinds.js";
/** What is saved about senders and app settings. Secrets are never part of these types. */

export type ServiceType = "webmail" | "exchange" | "gmail";
export type Security = "starttls" | "tls" | "none";

/** Who a profile belongs to: the one Company Email, or one user's User Email. */
export type Owner = { kind: "company" } | { kind: "user"; id: string };

export interface ValidationRecord {
  at: string; // ISO time
  ok: boolean;
  /** "test-mail": a message was sent; "login": connect and authenticate only. */
  method: "test-mail" | "login";
  to?: string;
  category?: string;
  message?: string;
  /** The failure model's verdict on a failed validation: will a retry help, what fixes it. */
  transient?: boolean;
  remedy?: Remedy;
  rowId?: string;
}

/** A signature the templates put under a message: text, and optionally HTML for the HTML part. */
export interface Signature {
  text: string;
  html?: string;
}

/** How a sender presents itself: the display name in From and the signature. */
export interface SenderIdentity {
  /** Display name in From ("Acme Sales" <sales@acme.com>). */
  name?: string;
  signature?: Signature;
}

interface ProfileBase extends SenderIdentity {
  email: string;
  /** OAuth profiles: when a token was last refreshed (the connection last proved to work). */
  tokenRefreshedAt?: string;
  createdAt: string;
  updatedAt: string;
  validation?: ValidationRecord;
  lastUsedAt?: string;
}

/** What every service type can carry about how to connect. */
interface SettingsBase {
  /** CA files (absolute paths) trusted for this profile's server: --ca given at setup. */
  caFiles?: string[];
}

export interface WebmailSettings extends SettingsBase {
  type: "webmail";
  email: string;
  host: string;
  port: number;
  security: Security;
  /** Login name when it differs from the email address. */
  username?: string;
  /** The name the server's certificate is checked against, when the host is an IP address. */
  servername?: string;
  /** "password" (basic SMTP AUTH) or an OAuth 2 connection (XOAUTH2). */
  auth?: "password" | "oauth2-microsoft";
  /** oauth2-microsoft: the Entra app registration (client) id the refresh token belongs to. */
  clientId?: string;
  /** oauth2-microsoft: the tenant whose token endpoint refreshes the token (its id once signed in). */
  tenant?: string;
  /** oauth2-microsoft: when the account was connected. */
  connectedAt?: string;
  /**
   * oauth2-microsoft: how mail leaves. "smtp" (absent: the default) is XOAUTH2 to
   * host:port; "graph" is Microsoft Graph sendMail (host and port then only name the API).
   */
  transport?: "smtp" | "graph";
}

export interface ExchangeSettings extends SettingsBase {
  type: "exchange";
  email: string;
  ewsUrl: string;
  domain: string;
  username: string;
  /** How the sign-in name is sent: company.com\\jdoe ("domain", the default) or jdoe@company.com ("upn"). */
  loginForm?: "domain" | "upn";
}

export interface GmailSettings extends SettingsBase {
  type: "gmail";
  email: string;
  clientId: string;
  connectedAt?: string;
}

export type ProviderSettings = WebmailSettings | ExchangeSettings | GmailSettings;
export type Profile = ProviderSettings & ProfileBase;

export interface AppSettings {
  "ship-confirmation-sender": "company" | "user";
  "default-user"?: string;
  "connect-timeout-seconds": number;
  "attachment-limit-mb": number;
  "templates-dir"?: string;
  "google-client-id"?: string;
  "microsoft-client-id"?: string;
  "microsoft-tenant"?: string;
  "secret-store"?: "file" | "keyring";
  "queue-max-attempts": number;
  "queue-retry-seconds": number;
  /** A shared queue on PostgreSQL (postgres://user@host/db, no password); unset: the SQLite file. */
  "queue-url"?: string;
  /** yes: an entry whose message may have been delivered is retried like any transient failure. */
  "queue-resend-uncertain"?: "yes" | "no";
}

export const DEFAULT_SETTINGS: AppSettings = {
  "ship-confirmation-sender": "company",
  "connect-timeout-seconds": 15,
  "attachment-limit-mb": 25,
  "queue-max-attempts": 5,
  "queue-retry-seconds": 60,
};

export function ownerLabel(owner: Owner): string {
  return owner.kind === "company" ? "Company Email" : `User Email of ${owner.id}`;
}

/** An owner as --json output shows it. */
export function ownerJson(owner: Owner): Record<string, string> {
  return owner.kind === "company" ? { kind: "company" } : { kind: "user", id: owner.id };
}

/** The command-line words that name an owner: `company` or `user <id>`. */
export function ownerArgs(owner: Owner): string {
  return owner.kind === "company" ? "company" : `user ${owner.id}`;
}

/** Key used in the secret store; never printed. */
export function secretKey(owner: Owner, what: "password" | "refresh-token"): string {
  return owner.kind === "company" ? `company/${what}` : `user/${owner.id}/${what}`;
}

/** Which secret a profile needs: a password, or the refresh token of an OAuth connection. */
export function secretKindFor(s: ProviderSettings): "password" | "refresh-token" {
  return kindRow(s).secret;
}
