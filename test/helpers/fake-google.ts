import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { body, html, json } from "./http-replies.js";
import { createHash, randomBytes } from "node:crypto";

/**
 * A local stand-in for Google on 127.0.0.1: the authorization endpoint (answers with a
 * redirect to the app's loopback listener, as the consent page does after Allow or
 * Cancel), the token endpoint (checks client, code, redirect URI and the PKCE verifier
 * against the challenge; refreshes; invalid_grant on demand) and the Gmail API's
 * users.messages.send (checks the bearer token and scope, records the raw message) and
 * the revocation endpoint (POST /revoke token=...).
 */

export const FAKE_CLIENT_ID = "1234-fakeclient.apps.googleusercontent.com";
export const FAKE_CLIENT_SECRET = "GOCSPX-fake-client-secret-123";
export const GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send";
/** A scope that may read the mailbox (and search it: gmail.metadata may not). */
export const GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly";

/** What the user does on the consent page. */
export type Consent =
  | "allow"
  | "deny" // clicks Cancel: error=access_denied
  | "wrong-state" // an answer not for this attempt
  | "without-send-scope"; // unticks "Send email on your behalf"

export interface SentMessage {
  raw: string;
  headers: Record<string, string>;
  bearer: string;
}

export interface AuthRequest {
  params: Record<string, string>;
}

interface CodeRecord {
  challenge: string;
  redirectUri: string;
  scope: string;
  used: boolean;
}

interface AccessRecord {
  valid: boolean;
  scope: string;
}

export interface FakeGoogle {
  readonly origin: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  /** The MAILCFG_* variables that point mailcfg here. */
  env(): Record<string, string>;
  consent: Consent;
  account: string;
  /** Every authorization request as received. */
  readonly authRequests: AuthRequest[];
  readonly sent: SentMessage[];
  readonly grants: { authorization_code: number; refresh_token: number };
  /** Every token posted to the revocation endpoint, and whether it was revoked then. */
  readonly revocations: Array<{ token: string; revoked: boolean }>;
  /** Whether a refresh token is still good (issued and not revoked). */
  isValid(refreshToken: string): boolean;
  /** Every secret value that crossed the wire: codes, verifiers, tokens, the client secret. */
  secretsSeen(): string[];
  /** A refresh token issued as after a consent (for provider tests without a sign-in). */
  issueRefreshToken(scope?: string): string;
  /** Revokes every refresh and access token: the next refresh is invalid_grant. */
  revokeAll(): void;
  /** Access tokens stop working early, as expired ones do; clients still think them valid. */
  expireAccessTokens(): void;
  /** The next `times` users.messages.send calls (default 1) answer with this status and JSON body. */
  failNextSend(status: number, body: unknown, times?: number): void;
  /** The next users.messages.send is carried out (the message is in `sent`), then the connection drops with no answer. */
  dropAfterNextSend(): void;
  /** users.messages.list searches run (q), as received. */
  readonly searches: string[];
  close(): Promise<void>;
}

export async function startFakeGoogle(opts: { clientId?: string; clientSecret?: string; account?: string } = {}): Promise<FakeGoogle> {
  const clientId = opts.clientId ?? FAKE_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? FAKE_CLIENT_SECRET;
  const codes = new Map<string, CodeRecord>();
  const refreshTokens = new Map<string, { scope: string; revoked: boolean }>();
  const accessTokens = new Map<string, AccessRecord>();
  const seen = new Set<string>([clientSecret]);
  let nextSendFailure: { status: number; body: unknown; times: number } | undefined;
  let dropNext = false;

  const issueAccess = (scope: string): string => {
    const t = `ya29.fake-access-${randomBytes(12).toString("hex")}`;
    accessTokens.set(t, { valid: true, scope });
    seen.add(t);
    return t;
  };
  const issueRefresh = (scope: string): string => {
    const t = `1//fake-refresh-${randomBytes(12).toString("hex")}`;
    refreshTokens.set(t, { scope, revoked: false });
    seen.add(t);
    return t;
  };
  const idToken = (): string => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    // Unsigned: mailcfg reads the claims of an id token only when it came from the token endpoint.
    const t = `${enc({ alg: "RS256", typ: "JWT" })}.${enc({
      iss: "https://accounts.google.com",
      aud: clientId,
      sub: "1234567890",
      email: fake.account,
      email_verified: true,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 3600,
    })}.fake-signature`;
    return t;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", fake.origin);
    if (req.method === "GET" && url.pathname === "/o/oauth2/v2/auth") return authorize(url, res);
    if (req.method === "POST" && url.pathname === "/token") return token(await body(req), res);
    if (req.method === "POST" && url.pathname === "/revoke") return revoke(req, await body(req), res);
    if (req.method === "POST" && url.pathname === "/gmail/v1/users/me/messages/send") return send(req, await body(req), res);
    if (req.method === "GET" && url.pathname === "/gmail/v1/users/me/messages") return list(req, url, res);
    json(res, 404, { error: { code: 404, message: `not found: ${req.method} ${url.pathname}` } });
  }

  function authorize(url: URL, res: ServerResponse): void {
    const p = Object.fromEntries(url.searchParams);
    fake.authRequests.push({ params: p });
    if (p.client_id !== clientId) return html(res, 401, "Error 401: invalid_client. The OAuth client was not found.");
    let redirect: URL;
    try {
      redirect = new URL(p.redirect_uri ?? "");
    } catch {
      return html(res, 400, "Error 400: redirect_uri_mismatch");
    }
    // Desktop clients: http on the loopback address, any port.
    if (redirect.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(redirect.hostname)) {
      return html(res, 400, "Error 400: redirect_uri_mismatch");
    }
    const scopes = (p.scope ?? "").split(" ");
    const problems = [
      p.response_type !== "code" && "response_type",
      p.code_challenge_method !== "S256" && "code_challenge_method",
      !p.code_challenge && "code_challenge",
      !p.state && "state",
      !scopes.includes(GMAIL_SEND) && "scope",
    ].filter(Boolean);
    if (problems.length) return html(res, 400, `Error 400: invalid_request (${problems.join(", ")})`);

    const back = new URL(redirect.href);
    if (fake.consent === "deny") {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("state", p.state ?? "");
    } else {
      const granted = fake.consent === "without-send-scope" ? scopes.filter((s) => s !== GMAIL_SEND) : scopes;
      const code = `4/fake-code-${randomBytes(12).toString("hex")}`;
      seen.add(code);
      codes.set(code, { challenge: p.code_challenge ?? "", redirectUri: p.redirect_uri ?? "", scope: granted.join(" "), used: false });
      back.searchParams.set("state", fake.consent === "wrong-state" ? "forged-state-value" : (p.state ?? ""));
      back.searchParams.set("code", code);
      back.searchParams.set("scope", granted.join(" "));
    }
    res.writeHead(302, { location: back.href });
    res.end();
  }

  function token(form: string, res: ServerResponse): void {
    const p = Object.fromEntries(new URLSearchParams(form));
    if (p.code_verifier) seen.add(p.code_verifier);
    if (p.client_id !== clientId || p.client_secret !== clientSecret) {
      return json(res, 401, { error: "invalid_client", error_description: "Unauthorized" });
    }
    if (p.grant_type === "authorization_code") {
      fake.grants.authorization_code++;
      const rec = codes.get(p.code ?? "");
      if (!rec || rec.used) return json(res, 400, { error: "invalid_grant", error_description: "Malformed auth code." });
      rec.used = true;
      if (rec.redirectUri !== p.redirect_uri) return json(res, 400, { error: "redirect_uri_mismatch", error_description: "Bad Request" });
      const challenge = createHash("sha256").update(p.code_verifier ?? "").digest("base64url");
      if (challenge !== rec.challenge) return json(res, 400, { error: "invalid_grant", error_description: "Invalid code verifier." });
      return json(res, 200, {
        access_token: issueAccess(rec.scope),
        expires_in: 3599,
        refresh_token: issueRefresh(rec.scope),
        scope: rec.scope,
        token_type: "Bearer",
        id_token: idToken(),
      });
    }
    if (p.grant_type === "refresh_token") {
      fake.grants.refresh_token++;
      const rec = refreshTokens.get(p.refresh_token ?? "");
      if (!rec || rec.revoked) return json(res, 400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
      return json(res, 200, { access_token: issueAccess(rec.scope), expires_in: 3599, scope: rec.scope, token_type: "Bearer", id_token: idToken() });
    }
    json(res, 400, { error: "unsupported_grant_type", error_description: `grant_type ${p.grant_type}` });
  }

  // Google's answers: 200 with an empty body; 400 invalid_token for a token it does not know.
  function revoke(req: IncomingMessage, form: string, res: ServerResponse): void {
    if (!/application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? "")) {
      return json(res, 400, { error: "invalid_request", error_description: "expected a form" });
    }
    const token = new URLSearchParams(form).get("token") ?? "";
    const rec = refreshTokens.get(token);
    const ok = rec !== undefined && !rec.revoked;
    fake.revocations.push({ token, revoked: ok });
    if (!ok) return json(res, 400, { error: "invalid_token", error_description: "Token expired or revoked" });
    rec.revoked = true;
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end("{}");
  }

  function send(req: IncomingMessage, text: string, res: ServerResponse): void {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const access = accessTokens.get(bearer);
    if (!access?.valid) {
      return json(res, 401, {
        error: {
          code: 401,
          message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
          errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError", location: "Authorization", locationType: "header" }],
          status: "UNAUTHENTICATED",
        },
      });
    }
    if (!access.scope.split(" ").includes(GMAIL_SEND)) {
      return json(res, 403, insufficientScopes([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT" }]));
    }
    if (nextSendFailure) {
      const f = nextSendFailure;
      if (--f.times <= 0) nextSendFailure = undefined;
      return json(res, f.status, f.body);
    }
    if (!/application\/json/.test(req.headers["content-type"] ?? "")) {
      return json(res, 400, { error: { code: 400, message: `expected JSON, got ${req.headers["content-type"]}` } });
    }
    const raw = (JSON.parse(text) as { raw?: string }).raw;
    if (!raw) return json(res, 400, { error: { code: 400, message: "Recipient address required", status: "INVALID_ARGUMENT" } });
    const message = Buffer.from(raw, "base64url").toString("utf8");
    fake.sent.push({ raw: message, headers: parseHeaders(message), bearer });
    if (dropNext) {
      dropNext = false;
      req.socket.destroy();
      return;
    }
    const id = randomBytes(8).toString("hex");
    json(res, 200, { id, threadId: id, labelIds: ["SENT"] });
  }

  /** users.messages.list with q=rfc822msgid:<id>, over what was sent; needs a read scope. */
  function list(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const access = accessTokens.get(bearer);
    if (!access?.valid) return json(res, 401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    const q = url.searchParams.get("q") ?? "";
    fake.searches.push(q);
    if (!access.scope.split(" ").includes(GMAIL_READONLY)) {
      return json(res, 403, insufficientScopes());
    }
    const wanted = /^rfc822msgid:<?([^>\s]+)>?$/.exec(q)?.[1];
    const hits = fake.sent.filter((m) => wanted && m.headers["message-id"]?.replace(/^<|>$/g, "") === wanted);
    json(res, 200, hits.length ? { messages: hits.map((_m, i) => ({ id: `m${i}`, threadId: `m${i}` })), resultSizeEstimate: hits.length } : { resultSizeEstimate: 0 });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  const fake: FakeGoogle = {
    origin,
    authUrl: `${origin}/o/oauth2/v2/auth`,
    tokenUrl: `${origin}/token`,
    env: () => ({
      MAILCFG_GOOGLE_AUTH_URL: `${origin}/o/oauth2/v2/auth`,
      MAILCFG_GOOGLE_TOKEN_URL: `${origin}/token`,
      MAILCFG_GMAIL_API_URL: origin,
      MAILCFG_GOOGLE_REVOKE_URL: `${origin}/revoke`,
    }),
    consent: "allow",
    account: opts.account ?? "sales@acme-fake.example",
    authRequests: [],
    sent: [],
    grants: { authorization_code: 0, refresh_token: 0 },
    revocations: [],
    isValid: (t) => refreshTokens.get(t)?.revoked === false,
    secretsSeen: () => [...seen],
    issueRefreshToken: (scope = `${GMAIL_SEND} openid email`) => issueRefresh(scope),
    revokeAll() {
      for (const r of refreshTokens.values()) r.revoked = true;
      for (const a of accessTokens.values()) a.valid = false;
    },
    expireAccessTokens() {
      for (const a of accessTokens.values()) a.valid = false;
    },
    failNextSend(status, body, times = 1) {
      nextSendFailure = { status, body, times };
    },
    dropAfterNextSend() {
      dropNext = true;
    },
    searches: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** The top-level headers of an RFC 822 message, unfolded, names lower-cased. */
export function parseHeaders(message: string): Record<string, string> {
  const head = message.split(/\r?\n\r?\n/)[0] ?? "";
  const out: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Plays the browser for a test: follows the authorization URL to the fake consent page
 * and its redirect to mailcfg's loopback listener, as a user clicking Allow would.
 * Both hops stay on 127.0.0.1. Records the listener's page.
 */
export function fakeBrowser(): { open: (url: string) => Promise<void>; pages: Array<{ status: number; body: string }> } {
  const pages: Array<{ status: number; body: string }> = [];
  return {
    pages,
    async open(url: string) {
      const consent = await fetch(url, { redirect: "manual" });
      const location = consent.headers.get("location");
      if (consent.status !== 302 || !location) {
        pages.push({ status: consent.status, body: await consent.text() });
        return;
      }
      const back = new URL(location);
      if (back.hostname !== "127.0.0.1") throw new Error(`redirect leaves loopback: ${back.hostname}`);
      const page = await fetch(back);
      pages.push({ status: page.status, body: await page.text() });
    },
  };
}

/** The redirect address the consent page sends the browser to, without following it (the paste path). */
export async function redirectAddressFor(authorizationUrl: string): Promise<string> {
  const consent = await fetch(authorizationUrl, { redirect: "manual" });
  const location = consent.headers.get("location");
  if (!location) throw new Error(`no redirect from the consent page (${consent.status})`);
  return location;
}

/** Gmail's answer to a token without the scope a call needs (with ErrorInfo details where Gmail gives them). */
function insufficientScopes(details?: unknown[]) {
  return {
    error: {
      code: 403,
      message: "Request had insufficient authentication scopes.",
      errors: [{ message: "Insufficient Permission", domain: "global", reason: "insufficientPermissions" }],
      status: "PERMISSION_DENIED",
      ...(details ? { details } : {}),
    },
  };
}
