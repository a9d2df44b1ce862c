/**
 * The claims of an ID token, read without checking its signature. That is sound only
 * for a token received directly from the token endpoint over TLS (OpenID Connect Core
 * 3.1.3.7): it is never used for tokens that came through the browser.
 */
export function unverifiedJwtClaims(token: string | null | undefined): Record<string, unknown> | undefined {
  if (!token) return undefined;
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    return claims && typeof claims === "object" && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The first of these claims of an ID token that holds an address; providers differ in which to trust first. */
export function addressInIdToken(token: string | null | undefined, claims: readonly string[]): string | undefined {
  const c = unverifiedJwtClaims(token);
  if (!c) return undefined;
  for (const key of claims) {
    const v = c[key];
    if (typeof v === "string" && v.includes("@")) return v;
  }
  return undefined;
}

/** The account address in an ID token (`email`, or Microsoft's `preferred_username`/`upn`). */
export function emailFromIdToken(token: string | null | undefined): string | undefined {
  return addressInIdToken(token, ["email", "preferred_username", "upn"]);
}
