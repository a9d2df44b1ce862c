import { MailError } from "../errors.js";
import { endpointFromEnv } from "./endpoints.js";
import type { OAuthDetail, OAuthStage } from "./errors.js";
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

interface AadstsRow {
  message: string;
  fix: string;
  category?: "oauth" | "server";
}

const RECONNECT = "Connect the account again.";

/**
 * The AADSTS numbers a connection meets (the real reason behind invalid_grant,
 * unauthorized_client, access_denied...). Per stage where the same number means
 * different things for a sign-in code and a saved refresh token.
 */
function aadsts(n: string, stage: OAuthStage): AadstsRow | undefined {
  const saved = stage === "refresh";
  switch (n) {
    case "65001":
      return {
        message: "The app registration has no consent to send mail for this account (AADSTS65001: consent required)",
        fix: `${CONSENT} Then connect the account again.`,
      };
    case "65004":
      return { message: "The permissions were declined on the Microsoft consent page (AADSTS65004)", fix: "Run the command again and click Accept." };
    case "700016":
      return {
        message: "Microsoft does not know this client id in the tenant (AADSTS700016: application not found in the directory)",
        fix:
          "Check --client-id (the Application (client) ID on the app registration's Overview page) and --tenant (its Directory (tenant) ID). " +
          "An app registered in another tenant must be consented to in this one first.",
      };
    case "50105":
      return {
        message: "This account is not assigned to the app, and the app requires assignment (AADSTS50105)",
        fix:
          "An administrator adds the user (or a group with the user) in Entra admin center > Enterprise applications > the app > Users and groups, " +
          "or sets Properties > Assignment required to No. Then connect the account again.",
      };
    case "70008":
    case "700082":
      return saved
        ? { message: `The saved Microsoft connection expired after a long time unused (AADSTS${n})`, fix: RECONNECT }
        : { message: `The sign-in code expired before it was used (AADSTS${n})`, fix: "Run the command again and finish the sign-in within a few minutes." };
    case "50173":
    case "70043":
      return {
        message: `The saved Microsoft connection was revoked: the password was changed or reset, or an administrator revoked the sessions (AADSTS${n})`,
        fix: RECONNECT,
      };
    case "70000":
      return saved
        ? { message: "Microsoft no longer accepts the saved connection (AADSTS70000: the grant is invalid)", fix: RECONNECT }
        : undefined;
    case "54005":
      return { message: "The sign-in code was already used (AADSTS54005)", fix: "Run the command again." };
    case "50076":
    case "50079":
      return {
        message: `Microsoft now requires multi-factor authentication for this account (AADSTS${n}); the saved connection cannot be refreshed without a new sign-in`,
        fix: "Connect the account again and complete the multi-factor sign-in.",
      };
    case "53003":
      return {
        message: "A Conditional Access policy of the tenant blocked the sign-in (AADSTS53003)",
        fix: "An administrator checks the Entra sign-in logs of this account to see which policy, and allows this app from this device or location.",
      };
    case "50194":
      return {
        message: "The app registration is for one tenant only, so the organizations endpoint cannot be used (AADSTS50194)",
        fix: "Give the tenant: --tenant <Directory (tenant) ID or domain>, or save it once: mailcfg config set microsoft-tenant <id>.",
      };
    case "7000218":
      return {
        message: "The app registration does not allow public clients, so it wants a client secret (AADSTS7000218)",
        fix: PUBLIC_CLIENT,
      };
    case "9002326":
      return {
        message: "The redirect URI is registered as a single-page application (AADSTS9002326)",
        fix: PUBLIC_CLIENT,
      };
    case "50011":
      return { message: "The app registration has no redirect URI http://localhost (AADSTS50011)", fix: PUBLIC_CLIENT };
    case "70011":
      return { message: "Microsoft refused the requested permissions (AADSTS70011: invalid scope)", fix: CONSENT };
    case "500011":
      return {
        message: "The tenant has no Exchange Online (AADSTS500011: resource https://outlook.office.com not found)",
        fix: "Connect an account of a tenant with Microsoft 365 mailboxes, and check --tenant.",
      };
    case "50020":
    case "50034":
      return {
        message: `The account that signed in does not belong to the tenant (AADSTS${n})`,
        fix: "Sign in with the mailbox's own work account, and check --tenant.",
      };
    case "90002":
    case "900023":
      return { message: `Microsoft does not know the tenant (AADSTS${n})`, fix: "Check --tenant: the Directory (tenant) ID or a domain of the tenant." };
    case "50057":
      return { message: "The account is disabled in Entra ID (AADSTS50057)", fix: "An administrator enables the account, then connect it again." };
    case "50055":
      return { message: "The account's password has expired (AADSTS50055)", fix: "Sign in to https://myaccount.microsoft.com and change the password, then connect again." };
    default:
      return undefined;
  }
}

/** Reads the AADSTS number in a Microsoft error description into a precise explanation. */
export function microsoftErrorDetail(_code: string, description: string | undefined, stage: OAuthStage): OAuthDetail | undefined {
  const n = /\bAADSTS(\d+)\b/.exec(description ?? "")?.[1];
  if (!n) return undefined;
  const row = aadsts(n, stage);
  return row ? { code: `AADSTS${n}`, ...row } : undefined;
}

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
    detail: microsoftErrorDetail,
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
