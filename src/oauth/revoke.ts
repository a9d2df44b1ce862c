import { endpointFromEnv } from "./endpoints.js";

export const GOOGLE_REVOKE_URL = "https://oauth2.googleapis.com/revoke";

/** Where a person withdraws an app's access by hand, when a revocation did not happen. */
export const GOOGLE_PERMISSIONS_PAGE = "https://myaccount.google.com/permissions";

export interface Revocation {
  revoked: boolean;
  /** What happened, in words (never the token). */
  detail: string;
}

/**
 * Revokes a Google refresh token (and the access tokens made from it) at Google's
 * revocation endpoint: POST token=... as a form. 200 means revoked; 400 invalid_token
 * means Google no longer knows it (expired or revoked before). A failure to revoke is an
 * answer, not an error: removing a profile goes on, and the caller says what was not
 * revoked. Only a bad MAILCFG_GOOGLE_REVOKE_URL throws (a usage error, before anything).
 */
export async function revokeGoogleToken(env: NodeJS.ProcessEnv, token: string, timeoutMs: number): Promise<Revocation> {
  const url = endpointFromEnv(env, "MAILCFG_GOOGLE_REVOKE_URL", GOOGLE_REVOKE_URL);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { revoked: false, detail: `Google's revocation endpoint ${new URL(url).origin} could not be reached (${cause})` };
  }
  if (res.ok) return { revoked: true, detail: "Google revoked the refresh token" };
  const body = await res.text().catch(() => "");
  let error = "";
  try {
    error = String((JSON.parse(body) as { error?: unknown }).error ?? "");
  } catch {
    // not JSON: the status says enough
  }
  if (error === "invalid_token") return { revoked: false, detail: "Google no longer knew the token (it had expired or was revoked already)" };
  return { revoked: false, detail: `Google's revocation endpoint answered HTTP ${res.status}${error ? ` (${error})` : ""}` };
}
