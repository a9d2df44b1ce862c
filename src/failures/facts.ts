/**
 * What happened, without words about what it means. Providers (SMTP, Exchange, Gmail,
 * Microsoft, Graph, the OAuth code) record these; one classifier (src/failures/)
 * decides the meaning. Every field is optional: a provider fills in what it saw.
 */
import type { ServiceType } from "../config/types.js";

/** Where in the conversation it failed, in the order a send goes through them. */
export const STAGES = ["dns", "tcp", "tls", "greeting", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "http", "token", "api"] as const;
export type Stage = (typeof STAGES)[number];

/** The settings that were used, so a verdict can name a remedy and a follow-up command. */
export interface UsedSettings {
  type?: ServiceType;
  host?: string;
  port?: number;
  security?: "starttls" | "tls" | "none";
  /** password, oauth2-microsoft, oauth2-google, basic, ntlm ... */
  auth?: string;
  email?: string;
  username?: string;
  /** An extra CA file was given (--ca). */
  ca?: boolean;
  url?: string;
  /** Microsoft 365: the connection sends through smtp (XOAUTH2) or graph. */
  transport?: "smtp" | "graph";
  /** Exchange: the sign-in name as sent (company.com\\jdoe or jdoe@company.com), and its form. */
  login?: string;
  loginForm?: "domain" | "upn";
  /** Exchange: the URL is Exchange Online's (outlook.office365.com). */
  exchangeOnline?: boolean;
}

export interface TlsFacts {
  protocol?: string;
  /** OpenSSL / Node code: CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ... */
  code?: string;
  /** The names the certificate is for, when the name did not match. */
  certNames?: string[];
  subject?: string;
  issuer?: string;
  validTo?: string;
}

export interface FailureFacts {
  stage?: Stage;
  /** Basic SMTP reply code (RFC 5321), e.g. 535. */
  replyCode?: number;
  /** Enhanced status code (RFC 3463), e.g. 5.7.8. */
  enhancedCode?: string;
  /** The server's own words, secrets already masked. */
  serverText?: string;
  /** errno or Node / OpenSSL / library code: ECONNREFUSED, ETIMEDOUT, ERR_SSL_WRONG_VERSION_NUMBER ... */
  errno?: string;
  tls?: TlsFacts;
  httpStatus?: number;
  /** EWS ResponseCode (ErrorNonExistentMailbox ...) or Graph error code. */
  responseCode?: string;
  /** OAuth `error` (invalid_grant ...). */
  oauthError?: string;
  /** Where in an OAuth connection: the consent page, the code exchange, or refreshing a saved token. */
  oauthStep?: "consent" | "code-exchange" | "refresh";
  /** Who signs the user in, as users know it: "Google", "Microsoft". */
  signIn?: string;
  /** AADSTS number of a Microsoft sign-in error. */
  aadsts?: number;
  /** Google API error reason (rateLimitExceeded ...). */
  googleReason?: string;
  /** The WWW-Authenticate header of a 401, and whether it offers Basic. */
  wwwAuthenticate?: string;
  basicOffered?: boolean;
  /** Seconds the server asked to wait (Retry-After). */
  retryAfterSeconds?: number;
  /** The time limit that ran out, in milliseconds. */
  timeoutMs?: number;
  /**
   * The message may have reached the server: the connection was lost or timed out after
   * the final "." of DATA, or after an HTTP send request was written. A resend may
   * deliver a second copy.
   */
  maybeDelivered?: boolean;
  /** The port completed a TLS handshake from its first byte (found by a probe). */
  implicitTls?: boolean;
  /** Other settings a probe of the same server found to work (diagnose tries the usual alternatives). */
  works?: { port: number; security: "starttls" | "tls" | "none" };
  settings?: UsedSettings;
}

/**
 * A change of settings that fixes the failure. The wizard offers it; `--json` outputs
 * carry it; the follow-up command applies it.
 */
export interface Remedy {
  security?: "starttls" | "tls" | "none";
  port?: number;
  /** A CA file is needed (the certificate is signed by a CA this computer does not trust). */
  ca?: "required";
  username?: string;
  /** Connect to this host name instead (the one the certificate is for). */
  host?: string;
  /** The name to check the certificate against, when connecting by IP address. */
  servername?: string;
  /** Connect again with OAuth. */
  reconnect?: "microsoft" | "gmail";
  /** Type the password again. */
  password?: "retype";
}
