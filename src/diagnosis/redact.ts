/**
 * Masks secrets in anything shown or logged: AUTH exchanges, HTTP authorization
 * headers, bearer tokens, OAuth fields, and any known secret value in every form it
 * takes on the wire: plain, base64 (also inside a longer base64 blob such as AUTH PLAIN's
 * "\0user\0password" or HTTP Basic's "user:password"), URL- and form-encoded, JSON-escaped.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  const known = secrets.filter((s): s is string => !!s);
  let out = known.length === 0 ? text : maskBlobsHolding(text, known);
  const forms = new Set<string>();
  for (const s of known) for (const f of secretForms(s)) forms.add(f);
  // Longest first, so a whole encoded secret is masked before any piece of it. A form of
  // one or two characters is masked where it stands alone (masking every "a" would hide
  // the text, not the secret); longer ones wherever they appear.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    out = form.length >= 3 ? out.split(form).join("****") : out.replace(new RegExp(`(?<![\\w+/=-])${escapeRegExp(form)}(?![\\w+/=-])`, "g"), "****");
  }
  return out
    // A base64 blob with a secret inside (AUTH PLAIN's "\0user\0password" echoed by a server):
    // the whole blob, since its edges still encode the secret's first and last bytes.
    .replace(/[A-Za-z0-9+/]{2,}\*\*\*\*[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9+/]*\*\*\*\*[A-Za-z0-9+/]{2,}={0,2}|[A-Za-z0-9+/]*\*\*\*\*[A-Za-z0-9+/]*={1,2}/g, "****")
    // An AUTH command's payload, not the mechanism list of an EHLO reply ("AUTH PLAIN LOGIN").
    .replace(/\b(AUTH\s+(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5|NTLM))\s+(?!\*\*\*\*|(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5|NTLM|GSSAPI|DIGEST-MD5|SCRAM-SHA-\d+(?:-PLUS)?)\b)\S+/gi, "$1 ****")
    .replace(/\b(Authorization:\s*(?:Basic|Bearer|NTLM|Negotiate|Digest))\s+(?!\*\*\*\*)\S+/gi, "$1 ****")
    .replace(/\b(Bearer)\s+(?!\*\*\*\*)[A-Za-z0-9._~+/=-]+/g, "$1 ****")
    // A JSON field ("password": "x") or a form field (password=x); not prose such as "password: basic".
    .replace(/((?:access_token|refresh_token|id_token|client_secret|password|code_verifier)(?:"\s*:\s*"|\s*=\s*))(?!\*\*\*\*)[^"&\s,}]+/gi, "$1****");
}

/**
 * A base64 token (8 characters or more) whose bytes hold a secret is masked whole:
 * wherever the secret sits in it, even where no base64 form of the secret appears.
 */
function maskBlobsHolding(text: string, secrets: string[]): string {
  return text.replace(/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{8,}={0,2}(?![A-Za-z0-9+/=])/g, (token) => {
    const decoded = Buffer.from(token, "base64").toString("latin1");
    // A very short secret is found inside a blob only in the shapes that carry a password
    // ("\0user\0pw" of AUTH PLAIN, "user:pw" of HTTP Basic), not in any token with its letters.
    const holds = (s: string) => {
      const raw = Buffer.from(s, "utf8").toString("latin1");
      return s.length >= 3 ? decoded.includes(raw) : decoded.endsWith(`\0${raw}`) || decoded.endsWith(`:${raw}`);
    };
    return secrets.some(holds) ? "****" : token;
  });
}

/** The forms a secret can take on the wire. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const b64 = bytes.toString("base64");
  const forms = new Set<string>([
    secret,
    b64,
    b64.replace(/=+$/, ""),
    bytes.toString("base64url"),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, "+"),
    JSON.stringify(secret).slice(1, -1),
  ]);
  for (const offset of [0, 1, 2]) {
    const core = base64Core(bytes, offset);
    if (core.length >= 4) forms.add(core);
  }
  // Forms shorter than the secret itself are only the pieces of a short one.
  return [...forms].filter((f) => f.length >= Math.min(3, secret.length));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The base64 text the secret's bytes produce whatever comes before and after them, when
 * they sit `offset` bytes (mod 3) into a longer blob: base64 encodes 3-byte groups, so
 * only the groups made wholly of the secret's bytes encode the same everywhere.
 */
function base64Core(bytes: Buffer, offset: number): string {
  const start = (3 - (offset % 3)) % 3;
  const whole = Math.floor((bytes.length - start) / 3) * 3;
  return whole > 0 ? bytes.subarray(start, start + whole).toString("base64") : "";
}

/** redact() applied to every string inside a value meant for JSON output. */
export function redactDeep<T>(value: T, secrets: ReadonlyArray<string | undefined>): T {
  if (typeof value === "string") return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, secrets)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, secrets)])) as T;
  }
  return value;
}
