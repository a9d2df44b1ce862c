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
  const r = await tokenCall(client, params, o, secrets);
  if (r.ok) return r.tokens;
  throw oauthFailure(r.error, r.description, {
    provider: client.provider,
    stage,
    ...(o.reconnect ? { reconnect: o.reconnect } : {}),
    ...(client.advice ? { advice: client.advice } : {}),
    secrets: r.masked,
  });
}

/** A token endpoint's answer: the tokens, or its OAuth error code and description (RFC 6749 5.2). */
export type TokenCallResult =
  | { ok: true; tokens: TokenResponse }
  | { ok: false; error: string; description: string; status: number; masked: Array<string | undefined> };

/**
 * One POST to the token endpoint. A network failure throws a classified MailError; an
 * OAuth error is returned, for callers that act on some codes (the device code poll's
 * authorization_pending) rather than fail.
 */
export async function tokenCall(
  client: OAuthClientConfig,
  params: Record<string, string>,
  o: { timeoutMs: number; signal?: AbortSignal },
  secrets: string[],
  /** What a successful answer carries; the device authorization endpoint answers a device_code instead. */
  accept: (data: Record<string, unknown>) => boolean = (data) => typeof data.access_token === "string",
): Promise<TokenCallResult> {
  const body = new URLSearchParams({ client_id: client.clientId, ...params });
  if (client.clientSecret) body.set("client_secret", client.clientSecret);
  const masked = [...secrets, client.clientSecret];
  // The time limit, or the caller's cancel (Ctrl-C), whichever comes first (AbortSignal.any needs Node 20.3).
  const both = new AbortController();
  const timer = setTimeout(() => both.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), o.timeoutMs);
  const cancel = () => both.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", cancel, { once: true });
  const signal = both.signal;
  let res: Response;
  try {
    res = await fetch(client.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal,
    });
  } catch (err) {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", cancel);
    if (o.signal?.aborted) throw err;
    const text = redact(errorText(err), masked);
    const c = classifyText(text);
    throw new MailError(c.category === "unknown" ? "server" : c.category, `Cannot reach the ${client.provider} token endpoint ${client.tokenUrl}: ${c.cause}`, {
      hint: c.fix.join(" "),
      evidence: text,
      provider: client.provider,
      cause: err,
    });
  }
  const text = await res.text().finally(() => {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", cancel);
  });
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok || !accept(data)) {
    const error = typeof data.error === "string" ? data.error : `http_${res.status}`;
    const description = typeof data.error_description === "string" ? data.error_description : redact(text.slice(0, 300), masked);
    return { ok: false, error, description, status: res.status, masked };
  }
  return { ok: true, tokens: data as unknown as TokenResponse };
}
