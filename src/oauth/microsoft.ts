import { MailError } from "../errors.js";
import { endpointFromEnv } from "./endpoints.js";
import { addressInIdToken, unverifiedJwtClaims } from "./jwt.js";
import type { AuthorizationGrant, OAuthClientConfig } from "./loopback.js";
import { exchangeCode, type TokenRequestOptions, type TokenResponse } from "./token.js";

/**
 * Microsoft's side of "Connect" for Microsoft 365 mailboxes: the identity platform's
 * v2.0 endpoints, the SMTP.Send scope, and what its AADSTS error numbers mean. The
 * app registration is a public client (no secret), so tokens go through token.ts.
 */
export const MICROSOFT_LOGIN_URL = "https://login.microsoftonline.com";
export const SMTP_SEND_SCOPE = "https://outlook.office.com/SMTP.Send";
/**
 * offline_access gives the refresh token; openid email profile give an id token that
 * names the mailbox (profile is what puts preferred_username, the UPN, in it).
 */
export const MICROSOFT_SCOPES = [SMTP_SEND_SCOPE, "offline_access", "openid", "email", "profile"];

/** How a connected Microsoft 365 mailbox sends: SMTP with XOAUTH2, or Microsoft Graph sendMail. */
export type MicrosoftTransport = "smtp" | "graph";

export const GRAPH_MAIL_SEND = "https://graph.microsoft.com/Mail.Send";
/** Drafts, attachments and upload sessions (messages over Graph's ~4 MB request limit) need it. */
export const GRAPH_MAIL_READWRITE = "https://graph.microsoft.com/Mail.ReadWrite";

/**
 * The scopes of a sign-in. A token is for one resource, so SMTP (outlook.office.com) and
 * Graph scopes are never mixed. `profile` stays in both: it is what puts
 * preferred_username (the UPN, the mailbox address) in the id token.
 */
export function microsoftScopes(via: MicrosoftTransport, sendOnly = false): string[] {
  if (via === "smtp") return MICROSOFT_SCOPES;
  return [GRAPH_MAIL_SEND, ...(sendOnly ? [] : [GRAPH_MAIL_READWRITE]), "offline_access", "openid", "email", "profile"];
}

export const GRAPH_URL = "https://graph.microsoft.com";

/** The Graph origin: MAILCFG_GRAPH_URL for test rigs (https, or http on loopback; only the origin is used). */
export function graphOrigin(env: NodeJS.ProcessEnv): string {
  return new URL(endpointFromEnv(env, "MAILCFG_GRAPH_URL", GRAPH_URL)).origin;
}

export interface MicrosoftEndpoints {
  authUrl: string;
  tokenUrl: string;
  /** The device authorization endpoint (device code sign-in). */
  deviceCodeUrl: string;
}

/**
 * The tenant's authorize and token endpoints, with the MAILCFG_MICROSOFT_AUTH_URL and
 * MAILCFG_MICROSOFT_TOKEN_URL overrides for private test rigs (https, or http on
 * loopback); `{tenant}` in an override is replaced by the tenant.
 */
export function microsoftEndpoints(env: NodeJS.ProcessEnv, tenant: string): MicrosoftEndpoints {
  const t = encodeURIComponent(tenant);
  const withTenant = (name: string): NodeJS.ProcessEnv => ({ [name]: env[name]?.split("{tenant}").join(t) });
  const base = `${MICROSOFT_LOGIN_URL}/${t}/oauth2/v2.0`;
  return {
    authUrl: endpointFromEnv(withTenant("MAILCFG_MICROSOFT_AUTH_URL"), "MAILCFG_MICROSOFT_AUTH_URL", `${base}/authorize`),
    tokenUrl: endpointFromEnv(withTenant("MAILCFG_MICROSOFT_TOKEN_URL"), "MAILCFG_MICROSOFT_TOKEN_URL", `${base}/token`),
    deviceCodeUrl: endpointFromEnv(withTenant("MAILCFG_MICROSOFT_DEVICE_CODE_URL"), "MAILCFG_MICROSOFT_DEVICE_CODE_URL", `${base}/devicecode`),
  };
}

const APP = "the app registration (Entra admin center > App registrations)";
const PUBLIC_CLIENT =
  `In ${APP} > Authentication: add the platform "Mobile and desktop applications" with the redirect URI http://localhost, ` +
  'and set "Allow public client flows" to Yes.';
const CONSENT =
  `In ${APP} > API permissions: add Office 365 Exchange Online (APIs my organization uses) > Delegated > SMTP.Send, ` +
  'keep offline_access, openid, email and profile, then click "Grant admin consent".';
const GRAPH_CONSENT =
  `In ${APP} > API permissions: add Microsoft Graph > Delegated > Mail.Send and Mail.ReadWrite, ` +
  'keep offline_access, openid, email and profile, then click "Grant admin consent" (an administrator of the tenant).';

/** The admin-consent step for a transport's permissions. */
export function consentStep(via: MicrosoftTransport): string {
  return via === "graph" ? GRAPH_CONSENT : CONSENT;
}

/** What Microsoft's standard OAuth errors usually mean, when no AADSTS number says more. */
export const MICROSOFT_ADVICE: Partial<Record<string, string>> = {
  access_denied: `If Microsoft said "Need admin approval", an administrator must grant consent first. ${CONSENT}`,
  consent_required: CONSENT,
  redirect_uri_mismatch: PUBLIC_CLIENT,
  invalid_client: PUBLIC_CLIENT,
  unauthorized_client: `Check --client-id (the Application (client) ID) and --tenant. ${PUBLIC_CLIENT}`,
  invalid_scope: CONSENT,
  "refresh:invalid_grant":
    "Likely reasons: the password was changed or reset, an administrator revoked the sessions or the app's consent, or the connection was unused for 90 days.",
};

/** The same, where the consent a Graph connection needs is Microsoft Graph's permissions. */
const GRAPH_ADVICE: Partial<Record<string, string>> = {
  ...MICROSOFT_ADVICE,
  access_denied: `If Microsoft said "Need admin approval", an administrator must grant consent first. ${GRAPH_CONSENT}`,
  consent_required: GRAPH_CONSENT,
  invalid_scope: GRAPH_CONSENT,
};

export function microsoftClientConfig(clientId: string, endpoints: MicrosoftEndpoints, via: MicrosoftTransport = "smtp", sendOnly = false): OAuthClientConfig {
  const advice = via === "graph" ? GRAPH_ADVICE : MICROSOFT_ADVICE;
  return {
    provider: "Microsoft",
    authorizationUrl: endpoints.authUrl,
    tokenUrl: endpoints.tokenUrl,
    clientId,
    scopes: microsoftScopes(via, sendOnly),
    // The account picker every time: the admin at the keyboard is often signed in as someone else.
    extraAuthParams: { prompt: "select_account" },
    // Microsoft accepts any port on http://localhost for "Mobile and desktop" redirect URIs.
    redirectHost: "localhost",
    advice,
  };
}

/** Whether a token's scope list carries a permission, e.g. SMTP.Send (Microsoft may answer with the full URI or the short name). */
export function hasScope(scope: string | undefined, name: string): boolean {
  return (scope ?? "").split(/\s+/).some((x) => x.toLowerCase() === name.toLowerCase() || x.toLowerCase().endsWith(`/${name.toLowerCase()}`));
}

/** Whether a token's scope list carries SMTP.Send (Microsoft answers with the full URI). */
export function hasSmtpSend(scope: string | undefined): boolean {
  return hasScope(scope, "SMTP.Send");
}

/** The permission each transport sends with, and how its absence reads. */
const SEND_PERMISSION: Record<MicrosoftTransport, { scope: string; how: string }> = {
  smtp: { scope: "SMTP.Send", how: "over SMTP" },
  graph: { scope: "Mail.Send", how: "with Microsoft Graph" },
};

/** Throws when a granted scope list lacks the permission the transport sends with. */
export function checkSendScope(scope: string, via: MicrosoftTransport, next: string | undefined): void {
  const needed = SEND_PERMISSION[via];
  if (hasScope(scope, needed.scope)) return;
  throw new MailError("oauth", `The Microsoft token does not carry the permission to send mail ${needed.how} (${needed.scope}).`, {
    hint: `${consentStep(via)} Then connect the account again.`,
    evidence: `granted scopes: ${scope}`,
    provider: "Microsoft",
    code: "scope_not_granted",
    ...(next ? { next } : {}),
  });
}

/**
 * The mailbox address in a Microsoft id token: preferred_username (the UPN, present with
 * the profile scope) before email, which is an optional claim that is often missing or,
 * for guests and aliases, another address than the mailbox's sign-in name.
 */
export function microsoftAccount(idToken: string | undefined): string | undefined {
  return addressInIdToken(idToken, ["preferred_username", "email", "upn"]);
}

/** What a successful Connect yields. */
export interface MicrosoftConnection {
  email: string;
  refreshToken: string;
  /** The tenant id (tid) of the account, so later refreshes go to its own tenant. */
  tenantId?: string;
  scope: string;
}

/** Exchanges the code (with the PKCE verifier) and reads the mailbox address from the id token. */
export async function exchangeMicrosoftCode(
  client: OAuthClientConfig,
  grant: AuthorizationGrant,
  o: TokenRequestOptions,
  via: MicrosoftTransport = "smtp",
): Promise<MicrosoftConnection> {
  return microsoftConnection(await exchangeCode(client, grant, o), o, via);
}

/** What a token response from a sign-in (code exchange or device code) yields: the mailbox and the refresh token. */
export function microsoftConnection(tokens: TokenResponse, o: TokenRequestOptions, via: MicrosoftTransport): MicrosoftConnection {
  const next = o.reconnect ? { next: o.reconnect } : {};
  const CONSENT = consentStep(via);
  const scope = tokens.scope ?? "";
  if (scope) checkSendScope(scope, via, o.reconnect);
  if (!tokens.refresh_token) {
    throw new MailError("oauth", "Microsoft issued no refresh token, so the connection could not be kept.", {
      hint: `The offline_access permission was not granted. ${CONSENT} Then connect again.`,
      provider: "Microsoft",
      code: "no_refresh_token",
      ...next,
    });
  }
  const email = microsoftAccount(tokens.id_token);
  if (!email) {
    throw new MailError("oauth", "Microsoft did not say which mailbox signed in (no email or user name in the id token).", {
      hint: `Keep the openid, email and profile permissions on the app registration (${APP} > API permissions), then connect again.`,
      provider: "Microsoft",
      code: "no_email",
      ...next,
    });
  }
  const tid = unverifiedJwtClaims(tokens.id_token)?.tid;
  return {
    email,
    refreshToken: tokens.refresh_token,
    ...(typeof tid === "string" && tid ? { tenantId: tid } : {}),
    scope,
  };
}
