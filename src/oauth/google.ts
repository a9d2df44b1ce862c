import type { Credentials, OAuth2Client } from "google-auth-library";
import { MailError } from "../errors.js";
import { classifyText, errorText } from "../diagnosis/classify.js";
import { redact } from "../diagnosis/redact.js";
import { endpointFromEnv } from "./endpoints.js";
import { oauthFailure, type OAuthStage } from "./errors.js";
import { emailFromIdToken } from "./jwt.js";
import type { AuthorizationGrant, OAuthClientConfig } from "./loopback.js";

/**
 * Google's side of "Connect": endpoints, scopes, advice for Google's own failure modes,
 * and token handling through google-auth-library (loaded only when a token is needed).
 */
export const GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth";
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const GMAIL_API_URL = "https://gmail.googleapis.com";

export const GMAIL_SEND_SCOPE = "https://www.googleapis.com/auth/gmail.send";
/** gmail.send alone cannot read the account's address (users.getProfile answers 403): openid email gives it in the id token. */
export const GOOGLE_SCOPES = [GMAIL_SEND_SCOPE, "openid", "email"];

export interface GoogleEndpoints {
  authUrl: string;
  tokenUrl: string;
  /** The Gmail API root; only its origin is used (the client library adds /gmail/v1/...). */
  gmailApiUrl: string;
}

/** The endpoints, with the MAILCFG_GOOGLE_* overrides for private test rigs (https, or http on loopback). */
export function googleEndpoints(env: NodeJS.ProcessEnv): GoogleEndpoints {
  return {
    authUrl: endpointFromEnv(env, "MAILCFG_GOOGLE_AUTH_URL", GOOGLE_AUTH_URL),
    tokenUrl: endpointFromEnv(env, "MAILCFG_GOOGLE_TOKEN_URL", GOOGLE_TOKEN_URL),
    gmailApiUrl: endpointFromEnv(env, "MAILCFG_GMAIL_API_URL", GMAIL_API_URL),
  };
}

const TESTING_EXPIRY =
  'an OAuth app whose consent screen is still in "Testing" gets refresh tokens that expire after 7 days (publish the app "In production" to stop that)';

/** What Google's errors usually mean, added to the general OAuth explanations. */
export const GOOGLE_ADVICE: Partial<Record<string, string>> = {
  access_denied:
    'While the consent screen is in "Testing", only the test users listed on it may connect (Google Cloud console > Google Auth Platform > Audience).',
  redirect_uri_mismatch:
    'Create the OAuth client with the application type "Desktop app" (Google Cloud console > Google Auth Platform > Clients): only that type accepts http://127.0.0.1 on any port.',
  invalid_client:
    'Use the client id and secret of a "Desktop app" client (Google Cloud console > Google Auth Platform > Clients); a deleted or disabled client also gives this.',
  invalid_scope: "Check that the Gmail API is enabled in the client's project and that the consent screen lists the gmail.send scope.",
  "refresh:invalid_grant":
    `Likely reasons: access was removed at https://myaccount.google.com/permissions, the account's password was changed, ${TESTING_EXPIRY}, or the connection was unused for six months.`,
};

export function googleClientConfig(clientId: string, clientSecret: string | undefined, endpoints: GoogleEndpoints): OAuthClientConfig {
  return {
    provider: "Google",
    authorizationUrl: endpoints.authUrl,
    tokenUrl: endpoints.tokenUrl,
    clientId,
    ...(clientSecret ? { clientSecret } : {}),
    scopes: GOOGLE_SCOPES,
    // offline: a refresh token is issued; consent: it is issued again on a reconnect too.
    extraAuthParams: { access_type: "offline", prompt: "consent" },
    redirectHost: "127.0.0.1",
    advice: GOOGLE_ADVICE,
  };
}

export interface GoogleClientRequest {
  clientId: string;
  clientSecret?: string;
  endpoints: GoogleEndpoints;
  timeoutMs: number;
  refreshToken?: string;
}

/**
 * google-auth-library's OAuth2Client pointed at our endpoints. forceRefreshOnFailure:
 * once it knows a token's expiry it would otherwise pass a 401 on instead of refreshing.
 */
export async function googleAuthClient(r: GoogleClientRequest): Promise<OAuth2Client> {
  const { OAuth2Client } = await import("google-auth-library");
  const client = new OAuth2Client({
    clientId: r.clientId,
    ...(r.clientSecret ? { clientSecret: r.clientSecret } : {}),
    endpoints: { oauth2AuthBaseUrl: r.endpoints.authUrl, oauth2TokenUrl: r.endpoints.tokenUrl },
    forceRefreshOnFailure: true,
    transporterOptions: { timeout: r.timeoutMs },
  });
  if (r.refreshToken) client.setCredentials({ refresh_token: r.refreshToken });
  return client;
}

/** What a successful Connect yields. */
export interface GoogleConnection {
  email: string;
  refreshToken: string;
  grantedScopes: string[];
}

/** Exchanges the code (with the PKCE verifier) and reads the account's address from the id token. */
export async function exchangeGoogleCode(
  r: Omit<GoogleClientRequest, "refreshToken">,
  grant: AuthorizationGrant,
  reconnect?: string,
): Promise<GoogleConnection> {
  const client = await googleAuthClient(r);
  const secrets = [grant.code, grant.codeVerifier, r.clientSecret];
  let tokens: Credentials;
  try {
    ({ tokens } = await client.getToken({ code: grant.code, codeVerifier: grant.codeVerifier, redirect_uri: grant.redirectUri }));
  } catch (err) {
    throw googleTokenFailure(err, "code-exchange", r.endpoints.tokenUrl, secrets, reconnect);
  }
  const next = reconnect ? { next: reconnect } : {};
  if (!tokens.refresh_token) {
    throw new MailError("oauth", "Google issued no refresh token, so the connection could not be kept.", {
      hint: "Remove mailcfg's access at https://myaccount.google.com/permissions and connect again.",
      provider: "Google",
      code: "no_refresh_token",
      ...next,
    });
  }
  const grantedScopes = (tokens.scope ?? grant.grantedScopes?.join(" ") ?? "").split(/\s+/).filter(Boolean);
  if (grantedScopes.length > 0 && !grantedScopes.includes(GMAIL_SEND_SCOPE)) {
    throw new MailError("oauth", "The permission to send email was not granted, so mail cannot be sent through Gmail.", {
      hint: 'Connect again and tick "Send email on your behalf" on the Google consent page.',
      evidence: `granted scopes: ${grantedScopes.join(" ")}`,
      provider: "Google",
      code: "scope_not_granted",
      ...next,
    });
  }
  const email = emailFromIdToken(tokens.id_token);
  if (!email) {
    throw new MailError("oauth", "Google did not say which account signed in (no email in the id token).", {
      hint: 'Connect again and allow "See your primary Google Account email address".',
      provider: "Google",
      code: "no_email",
      ...next,
    });
  }
  return { email, refreshToken: tokens.refresh_token, grantedScopes };
}

/** A failure at Google's token endpoint: an OAuth error with its meaning, or the network problem. */
export function googleTokenFailure(
  err: unknown,
  stage: OAuthStage,
  tokenUrl: string,
  secrets: ReadonlyArray<string | undefined>,
  reconnect?: string,
): MailError {
  const res = (err as { response?: { status?: number; data?: unknown } }).response;
  const data = (res?.data ?? {}) as { error?: unknown; error_description?: unknown };
  if (res) {
    const code = typeof data.error === "string" ? data.error : `http_${res.status ?? "error"}`;
    const description = typeof data.error_description === "string" ? data.error_description : `HTTP ${res.status ?? "?"} from ${tokenUrl}`;
    return oauthFailure(code, description, {
      provider: "Google",
      stage,
      advice: GOOGLE_ADVICE,
      secrets,
      ...(reconnect ? { reconnect } : {}),
    }, err);
  }
  const text = redact(errorText(err), secrets);
  const c = classifyText(text);
  return new MailError(c.category === "unknown" ? "server" : c.category, `Cannot reach Google's token endpoint ${tokenUrl}: ${c.cause}`, {
    hint: c.fix.join(" "),
    evidence: text,
    provider: "Google",
    cause: err,
  });
}

/**
 * What the secret store holds for a Gmail profile: the refresh token and the client
 * secret it must be refreshed with (Google requires the secret of "Desktop app"
 * clients). One entry, so every caller that reads a profile's secret and hands it to
 * the provider works unchanged.
 */
export interface GoogleCredential {
  refreshToken: string;
  clientSecret?: string;
}

export function encodeGoogleCredential(c: GoogleCredential): string {
  return JSON.stringify({ refreshToken: c.refreshToken, ...(c.clientSecret ? { clientSecret: c.clientSecret } : {}) });
}

/** Reads a stored credential; a bare string is taken as a refresh token alone. */
export function decodeGoogleCredential(secret: string): GoogleCredential {
  if (secret.trimStart().startsWith("{")) {
    try {
      const v = JSON.parse(secret) as { refreshToken?: unknown; clientSecret?: unknown };
      if (typeof v.refreshToken === "string") {
        return { refreshToken: v.refreshToken, ...(typeof v.clientSecret === "string" ? { clientSecret: v.clientSecret } : {}) };
      }
    } catch {
      // not JSON after all: a bare token
    }
  }
  return { refreshToken: secret };
}
