/**
 * Masks secrets in anything shown or logged: AUTH exchanges, bearer tokens, OAuth
 * fields, and any known secret value in plain, base64 or URL-encoded form.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 3) continue;
    for (const form of secretForms(s)) out = out.split(form).join("****");
  }
  return out
    .replace(/\b(AUTH\s+(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5))\s+\S+/gi, "$1 ****")
    .replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g, "$1 ****")
    .replace(/("?(?:access_token|refresh_token|id_token|client_secret|password|code_verifier)"?\s*[:=]\s*"?)[^"&\s,}]+/gi, "$1****");
}

/** The forms a secret can take on the wire: as is, base64 (alone and in AUTH PLAIN), URL-encoded. */
export function secretForms(secret: string): string[] {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  const forms = new Set<string>([secret, b64(secret), encodeURIComponent(secret)]);
  return [...forms].filter((f) => f.length >= 3);
}
