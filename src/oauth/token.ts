import { MailError } from "../errors.js";
import { classifyText, errorText } from "../diagnosis/classify.js";
import { redact } from "../diagnosis/redact.js";
import { oauthFailure, type OAuthStage } from "./errors.js";
import type { AuthorizationGrant, OAuthClientConfig } from "./loopback.js";

/** A token endpoint's answer (RFC 6749 5.1), with the OpenID Connect id_token when asked for. */
export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

export interface TokenRequestOptions {
  timeoutMs: number;
  /** The command that connects again, named in errors. */
  reconnect?: string;
}

/**
 * Exchanges an authorization code at the client's token endpoint with plain fetch, for
 * providers without a client library of their own. (Google goes through
 * google-auth-library instead: see google.ts.)
 */
export function exchangeCode(client: OAuthClientConfig, grant: AuthorizationGrant, o: TokenRequestOptions): Promise<TokenResponse> {
  return tokenRequest(
    client,
    {
      grant_type: "authorization_code",
      code: grant.code,
      code_verifier: grant.codeVerifier,
      redirect_uri: grant.redirectUri,
    },
    "code-exchange",
    o,
    [grant.code, grant.codeVerifier],
  );
}

/** A new access token from a refresh token. */
export function refreshToken(client: OAuthClientConfig, refresh: string, o: TokenRequestOptions): Promise<TokenResponse> {
  return tokenRequest(client, { grant_type: "refresh_token", refresh_token: refresh }, "refresh", o, [refresh]);
}

async function tokenRequest(
  client: OAuthClientConfig,
  params: Record<string, string>,
  stage: OAuthStage,
  o: TokenRequestOptions,
  secrets: string[],
): Promise<TokenResponse> {
  const body = new URLSearchParams({ client_id: client.clientId, ...params });
  if (client.clientSecret) body.set("client_secret", client.clientSecret);
  const masked = [...secrets, client.clientSecret];
  let res: Response;
  try {
    res = await fetch(client.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    const text = redact(errorText(err), masked);
    const c = classifyText(text);
    throw new MailError(c.category === "unknown" ? "server" : c.category, `Cannot reach the ${client.provider} token endpoint ${client.tokenUrl}: ${c.cause}`, {
      hint: c.fix.join(" "),
      evidence: text,
      provider: client.provider,
      cause: err,
    });
  }
  const text = await res.text();
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok || typeof data.access_token !== "string") {
    const code = typeof data.error === "string" ? data.error : `http_${res.status}`;
    const description = typeof data.error_description === "string" ? data.error_description : redact(text.slice(0, 300), masked);
    throw oauthFailure(code, description, {
      provider: client.provider,
      stage,
      ...(o.reconnect ? { reconnect: o.reconnect } : {}),
      ...(client.advice ? { advice: client.advice } : {}),
      secrets: masked,
    });
  }
  return data as unknown as TokenResponse;
}
