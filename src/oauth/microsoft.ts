import { MailError } from "../errors.js";
import { endpointFromEnv } from "./endpoints.js";
import { emailFromIdToken, unverifiedJwtClaims } from "./jwt.js";
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

export interface MicrosoftEndpoints {
  authUrl: string;
  tokenUrl: string;
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
  };
}

const APP = "the app registration (Entra admin center > App registrations)";
const PUBLIC_CLIENT =
  `In ${APP} > Authentication: add the platform "Mobile and desktop applications" with the redirect URI http://localhost, ` +
  'and set "Allow public client flows" to Yes.';
const CONSENT =
  `In ${APP} > API permissions: add Office 365 Exchange Online (APIs my organization uses) > Delegated > SMTP.Send, ` +
  'keep offline_access, openid, email and profile, then click "Grant admin consent".';

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

export function microsoftClientConfig(clientId: string, endpoints: MicrosoftEndpoints): OAuthClientConfig {
  return {
    provider: "Microsoft",
    authorizationUrl: endpoints.authUrl,
    tokenUrl: endpoints.tokenUrl,
    clientId,
    scopes: MICROSOFT_SCOPES,
    // The account picker every time: the admin at the keyboard is often signed in as someone else.
    extraAuthParams: { prompt: "select_account" },
    // Microsoft accepts any port on http://localhost for "Mobile and desktop" redirect URIs.
    redirectHost: "localhost",
    advice: MICROSOFT_ADVICE,
  };
}

/** Whether a token's scope list carries SMTP.Send (Microsoft answers with the full URI). */
export function hasSmtpSend(scope: string | undefined): boolean {
  return (scope ?? "").split(/\s+/).some((x) => /(^|\/)SMTP\.Send$/i.test(x));
}

export function smtpSendMissing(scope: string, next: string | undefined): MailError {
  return new MailError("oauth", "The Microsoft token does not carry the permission to send mail over SMTP (SMTP.Send).", {
    hint: `${CONSENT} Then connect the account again.`,
    evidence: `granted scopes: ${scope}`,
    provider: "Microsoft",
    code: "scope_not_granted",
    ...(next ? { next } : {}),
  });
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
): Promise<MicrosoftConnection> {
  const tokens: TokenResponse = await exchangeCode(client, grant, o);
  const next = o.reconnect ? { next: o.reconnect } : {};
  const scope = tokens.scope ?? "";
  if (scope && !hasSmtpSend(scope)) throw smtpSendMissing(scope, o.reconnect);
  if (!tokens.refresh_token) {
    throw new MailError("oauth", "Microsoft issued no refresh token, so the connection could not be kept.", {
      hint: `The offline_access permission was not granted. ${CONSENT} Then connect again.`,
      provider: "Microsoft",
      code: "no_refresh_token",
      ...next,
    });
  }
  const email = emailFromIdToken(tokens.id_token);
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
