import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { body, html, json } from "./http-replies.js";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { startSmtpServer, type RunningSmtpServer } from "../../src/sandbox/server.js";
import type { ThrowawayCa } from "../../src/tls/throwaway-ca.js";

/**
 * A local stand-in for the Microsoft identity platform on 127.0.0.1, and a Microsoft
 * 365 SMTP submission server (smtp-server, STARTTLS with a throwaway CA) that takes
 * only XOAUTH2 with an access token this fake issued.
 *
 * - /{tenant}/oauth2/v2.0/authorize answers like the sign-in page after the user's
 *   choice: a redirect to the app's http://localhost listener with a code (or an error).
 * - /{tenant}/oauth2/v2.0/token checks the public client (no secret), the code, the
 *   redirect URI and the PKCE verifier, and issues JWT-shaped access tokens for
 *   https://outlook.office.com with scp SMTP.Send, an id token naming the mailbox, and a
 *   new refresh token on every refresh (Microsoft rotates them).
 * - Errors on demand, shaped as Microsoft sends them (error, AADSTS description, error_codes).
 */

export const FAKE_MS_CLIENT_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
export const FAKE_TENANT_ID = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d";
export const SMTP_SEND = "https://outlook.office.com/SMTP.Send";
export const GRAPH_SEND = "https://graph.microsoft.com/Mail.Send";
export const GRAPH_READWRITE = "https://graph.microsoft.com/Mail.ReadWrite";
export const DEVICE_LOGIN = "https://microsoft.com/devicelogin";

/** What the token endpoint answers to one device code poll. */
export type DevicePoll = "pending" | "slow_down" | "expired" | "declined" | "bad_code" | "approve";

export type MsConsent =
  | "allow"
  | "deny" // the user clicks Cancel on the consent page (AADSTS65004)
  | "wrong-state"
  | "without-smtp-send"; // the token carries no SMTP.Send

export interface TokenError {
  status?: number;
  error: string;
  aadsts: number;
  text: string;
}

/** Microsoft's own wording for the AADSTS errors the tests ask for. */
export const AADSTS: Record<string, TokenError> = {
  consentRequired: {
    error: "invalid_grant",
    aadsts: 65001,
    text: `The user or administrator has not consented to use the application with ID '${FAKE_MS_CLIENT_ID}' named 'mailcfg test'. Send an interactive authorization request for this user and resource.`,
  },
  appNotFound: {
    status: 400,
    error: "unauthorized_client",
    aadsts: 700016,
    text: `Application with identifier '${FAKE_MS_CLIENT_ID}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
  },
  notAssigned: {
    error: "invalid_grant",
    aadsts: 50105,
    text: "Your administrator has configured the application mailcfg test ('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9') to block users unless they are specifically granted ('assigned') access to the application.",
  },
  expiredInactive: {
    error: "invalid_grant",
    aadsts: 70008,
    text: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
  },
  revoked: {
    error: "invalid_grant",
    aadsts: 50173,
    text: "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
  },
};

interface CodeRecord {
  challenge: string;
  redirectUri: string;
  scope: string;
  used: boolean;
}

interface AccessRecord {
  user: string;
  scope: string;
  valid: boolean;
}

interface DeviceRecord {
  scope: string;
  userCode: string;
  approved: boolean;
  done: boolean;
}

export interface FakeMicrosoft {
  readonly origin: string;
  /** MAILCFG_MICROSOFT_* pointing here (the SMTP server too, once started). */
  env(): Record<string, string>;
  consent: MsConsent;
  account: string;
  /** Seconds an access token lives (expires_in). */
  accessLifetime: number;
  /** A used refresh token stops working, so a client that keeps the old one fails. */
  strictRotation: boolean;
  readonly authRequests: Array<{ tenant: string; params: Record<string, string> }>;
  readonly tokenRequests: Array<{ tenant: string; params: Record<string, string> }>;
  readonly grants: { authorization_code: number; refresh_token: number; device_code: number };
  /** Every secret that crossed the wire: codes, verifiers, access, refresh and id tokens. */
  secretsSeen(): string[];
  /** Refresh tokens issued and not yet replaced or revoked. */
  liveRefreshTokens(): string[];
  /** The next token request answers with this error (times: how many). */
  failNextToken(e: TokenError, times?: number): void;
  revokeAll(): void;
  /** Access tokens stop working early; clients still think them good. */
  expireAccessTokens(): void;
  /** SMTP: refuse every XOAUTH2 login with this reply (as a mailbox with SMTP AUTH off does). */
  smtpRefusal: { responseCode: number; message: string } | undefined;
  /** What the SMTP server decides for a login. */
  smtpLogin(login: { user: string; accessToken: string }): true | { responseCode: number; message: string };
  smtp?: RunningSmtpServer;
  /** The id token's email claim, when it should differ from preferred_username (an alias). */
  emailClaim: string | undefined;
  /** Device code sign-in: seconds between polls (interval) and the code's lifetime (expires_in). */
  deviceInterval: number;
  deviceExpiresIn: number;
  /** What each next poll answers, in order; when empty: pending until approveDevice(). */
  devicePolls: DevicePoll[];
  readonly deviceRequests: Array<{ tenant: string; params: Record<string, string> }>;
  /** The user entered the code and accepted (for a hand-run rig). */
  approveDevice(): void;
  /** The last user code handed out. */
  lastUserCode(): string | undefined;
  /** What an access token stands for, for the fake Graph: undefined when unknown or no longer valid. */
  accessToken(token: string): { user: string; scope: string } | undefined;
  /** Starts the XOAUTH2-only SMTP server with a certificate of `ca`. */
  startSmtp(ca: ThrowawayCa): Promise<RunningSmtpServer>;
  close(): Promise<void>;
}

export const SMTP_535_573 = "5.7.3 Authentication unsuccessful [SN7PR04CA0123.namprd04.prod.outlook.com 2026-11-27T00:00:00.000Z 08DD2F]";

export async function startFakeMicrosoft(opts: { account?: string } = {}): Promise<FakeMicrosoft> {
  const codes = new Map<string, CodeRecord>();
  const refreshTokens = new Map<string, { scope: string; live: boolean }>();
  const accessTokens = new Map<string, AccessRecord>();
  const seen = new Set<string>();
  const devices = new Map<string, DeviceRecord>();
  let nextTokenFailure: { e: TokenError; times: number } | undefined;

  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = () => Math.floor(Date.now() / 1000);
  const jwt = (claims: object) => `${enc({ typ: "JWT", alg: "RS256", kid: "fake-key" })}.${enc(claims)}.fake-signature-${randomBytes(6).toString("hex")}`;

  const issueAccess = (scope: string): string => {
    const graph = scope.includes("https://graph.microsoft.com/");
    const resource = graph ? "https://graph.microsoft.com/" : "https://outlook.office.com/";
    const t = jwt({
      aud: graph ? "https://graph.microsoft.com" : "https://outlook.office.com",
      iss: `https://sts.windows.net/${FAKE_TENANT_ID}/`,
      tid: FAKE_TENANT_ID,
      appid: FAKE_MS_CLIENT_ID,
      scp: scope
        .split(" ")
        .filter((s) => s.startsWith(resource))
        .map((s) => s.replace(resource, ""))
        .join(" "),
      upn: fake.account,
      iat: now(),
      exp: now() + fake.accessLifetime,
    });
    accessTokens.set(t, { user: fake.account, scope, valid: true });
    seen.add(t);
    return t;
  };
  const issueRefresh = (scope: string): string => {
    const t = `0.AXkA-fake-refresh-${randomBytes(16).toString("hex")}`;
    refreshTokens.set(t, { scope, live: true });
    seen.add(t);
    return t;
  };
  const idToken = (): string => {
    const t = jwt({
      aud: FAKE_MS_CLIENT_ID,
      iss: `https://login.microsoftonline.com/${FAKE_TENANT_ID}/v2.0`,
      tid: FAKE_TENANT_ID,
      oid: "00000000-0000-0000-0000-00000000beef",
      preferred_username: fake.account,
      email: fake.emailClaim ?? fake.account,
      name: "Sales",
      iat: now(),
      exp: now() + 3600,
    });
    seen.add(t);
    return t;
  };
  /** What the token endpoint answers for a scope: the resource scopes, as Microsoft does (else what was granted). */
  const tokenScope = (scope: string) => scope.split(" ").filter((s) => s.startsWith("https://")).join(" ") || scope;

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", fake.origin);
    const m = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token|devicecode)$/.exec(url.pathname);
    if (m && req.method === "GET" && m[2] === "authorize") return authorize(decodeURIComponent(m[1] ?? ""), url, res);
    if (m && req.method === "POST" && m[2] === "devicecode") return deviceCode(decodeURIComponent(m[1] ?? ""), await body(req), res);
    if (m && req.method === "POST" && m[2] === "token") return token(decodeURIComponent(m[1] ?? ""), await body(req), res);
    json(res, 404, { error: "not_found" });
  }

  function authorize(tenant: string, url: URL, res: ServerResponse): void {
    const p = Object.fromEntries(url.searchParams);
    fake.authRequests.push({ tenant, params: p });
    // An unknown app or redirect URI is an error page at Microsoft: no redirect back.
    if (p.client_id !== FAKE_MS_CLIENT_ID) return html(res, 400, `AADSTS700016: Application with identifier '${p.client_id}' was not found`);
    let redirect: URL;
    try {
      redirect = new URL(p.redirect_uri ?? "");
    } catch {
      return html(res, 400, "AADSTS50011: The redirect URI specified in the request does not match");
    }
    // "Mobile and desktop applications" with http://localhost: any port, http, localhost only.
    if (redirect.protocol !== "http:" || redirect.hostname !== "localhost") {
      return html(res, 400, "AADSTS50011: The redirect URI specified in the request does not match");
    }
    const scopes = (p.scope ?? "").split(" ");
    const problems = [
      p.response_type !== "code" && "response_type",
      p.code_challenge_method !== "S256" && "code_challenge_method",
      !p.code_challenge && "code_challenge",
      !p.state && "state",
      !scopes.includes(SMTP_SEND) && !scopes.includes(GRAPH_SEND) && "scope SMTP.Send or Mail.Send",
      !scopes.includes("offline_access") && "scope offline_access",
    ].filter(Boolean);
    if (problems.length) return html(res, 400, `AADSTS90014: invalid request (${problems.join(", ")})`);

    const back = new URL(redirect.href);
    if (fake.consent === "deny") {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "AADSTS65004: User declined to consent to access the app.");
      back.searchParams.set("state", p.state ?? "");
    } else {
      const granted = fake.consent === "without-smtp-send" ? scopes.filter((s) => s !== SMTP_SEND && s !== GRAPH_SEND) : scopes;
      const code = `1.AXkA-fake-code-${randomBytes(12).toString("hex")}`;
      seen.add(code);
      codes.set(code, { challenge: p.code_challenge ?? "", redirectUri: p.redirect_uri ?? "", scope: granted.join(" "), used: false });
      back.searchParams.set("code", code);
      back.searchParams.set("state", fake.consent === "wrong-state" ? "forged-state-value" : (p.state ?? ""));
      back.searchParams.set("session_state", randomUUID());
    }
    res.writeHead(302, { location: back.href });
    res.end();
  }

  function aadError(res: ServerResponse, e: TokenError): void {
    const trace = randomUUID();
    json(res, e.status ?? 400, {
      error: e.error,
      error_description: `AADSTS${e.aadsts}: ${e.text} Trace ID: ${trace} Correlation ID: ${randomUUID()} Timestamp: 2026-11-27 00:00:00Z`,
      error_codes: [e.aadsts],
      timestamp: "2026-11-27 00:00:00Z",
      trace_id: trace,
      error_uri: `https://login.microsoftonline.com/error?code=${e.aadsts}`,
    });
  }

  function deviceCode(tenant: string, form: string, res: ServerResponse): void {
    const p = Object.fromEntries(new URLSearchParams(form));
    fake.deviceRequests.push({ tenant, params: p });
    if (p.client_id !== FAKE_MS_CLIENT_ID) return aadError(res, { ...AADSTS.appNotFound, text: `Application with identifier '${p.client_id}' was not found in the directory 'Contoso'.` } as TokenError);
    const scopes = (p.scope ?? "").split(" ");
    if (!scopes.includes(GRAPH_SEND) && !scopes.includes(SMTP_SEND)) return aadError(res, { error: "invalid_scope", aadsts: 70011, text: "The provided value for the input parameter 'scope' is not valid." });
    const code = `GAQABAAEAAA-fake-device-code-${randomBytes(12).toString("hex")}`;
    const userCode = randomBytes(4).toString("hex").toUpperCase().slice(0, 8);
    seen.add(code);
    const granted = fake.consent === "without-smtp-send" ? scopes.filter((s) => s !== SMTP_SEND && s !== GRAPH_SEND) : scopes;
    devices.set(code, { scope: granted.join(" "), userCode, approved: false, done: false });
    json(res, 200, {
      user_code: userCode,
      device_code: code,
      verification_uri: DEVICE_LOGIN,
      expires_in: fake.deviceExpiresIn,
      interval: fake.deviceInterval,
      message: `To sign in, use a web browser to open the page ${DEVICE_LOGIN} and enter the code ${userCode} to authenticate.`,
    });
  }

  function deviceToken(p: Record<string, string>, res: ServerResponse): void {
    const rec = devices.get(p.device_code ?? "");
    if (!rec || rec.done) return aadError(res, { error: "bad_verification_code", aadsts: 70019, text: "Verification code expired." });
    const next = fake.devicePolls.shift() ?? (rec.approved ? "approve" : "pending");
    const errors: Record<Exclude<DevicePoll, "approve">, TokenError> = {
      pending: { error: "authorization_pending", aadsts: 70016, text: "OAuth 2.0 device flow error. Authorization is pending. Continue polling." },
      slow_down: { error: "slow_down", aadsts: 70016, text: "Polling too fast. Slow down." },
      expired: { error: "expired_token", aadsts: 70020, text: "The provided value for the input parameter 'device_code' is not valid. Device codes expire after 15 minutes." },
      declined: { error: "authorization_declined", aadsts: 70019, text: "The end user denied the authorization request." },
      bad_code: { error: "bad_verification_code", aadsts: 70019, text: "The device_code sent was not recognized." },
    };
    if (next !== "approve") {
      if (next === "expired" || next === "declined") rec.done = true;
      return aadError(res, errors[next]);
    }
    rec.done = true;
    fake.grants.device_code++;
    json(res, 200, grant(rec.scope));
  }

  /** A successful token answer: new access and refresh tokens for these scopes, and the id token. */
  function grant(scope: string) {
    return {
      token_type: "Bearer",
      scope: tokenScope(scope),
      expires_in: fake.accessLifetime,
      ext_expires_in: fake.accessLifetime,
      access_token: issueAccess(scope),
      refresh_token: issueRefresh(scope),
      id_token: idToken(),
    };
  }

  function token(tenant: string, form: string, res: ServerResponse): void {
    const p = Object.fromEntries(new URLSearchParams(form));
    fake.tokenRequests.push({ tenant, params: p });
    if (p.code_verifier) seen.add(p.code_verifier);
    if (nextTokenFailure) {
      const f = nextTokenFailure;
      if (--f.times <= 0) nextTokenFailure = undefined;
      return aadError(res, f.e);
    }
    if (p.client_id !== FAKE_MS_CLIENT_ID) return aadError(res, { ...AADSTS.appNotFound, text: `Application with identifier '${p.client_id}' was not found in the directory 'Contoso'.` } as TokenError);
    if (p.client_secret !== undefined) {
      return aadError(res, { error: "invalid_request", aadsts: 700025, text: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented." });
    }
    if (p.grant_type === "urn:ietf:params:oauth:grant-type:device_code") return deviceToken(p, res);
    if (p.grant_type === "authorization_code") {
      fake.grants.authorization_code++;
      const rec = codes.get(p.code ?? "");
      if (!rec || rec.used) return aadError(res, { error: "invalid_grant", aadsts: 54005, text: "OAuth2 Authorization code was already redeemed." });
      rec.used = true;
      if (rec.redirectUri !== p.redirect_uri) {
        return aadError(res, { error: "invalid_grant", aadsts: 50148, text: "The redirect_uri specified in the token request does not match the one in the authorization request." });
      }
      const challenge = createHash("sha256").update(p.code_verifier ?? "").digest("base64url");
      if (challenge !== rec.challenge) {
        return aadError(res, { error: "invalid_grant", aadsts: 501481, text: "The Code_Verifier does not match the code_challenge supplied in the authorization request." });
      }
      return json(res, 200, grant(rec.scope));
    }
    if (p.grant_type === "refresh_token") {
      fake.grants.refresh_token++;
      const rec = refreshTokens.get(p.refresh_token ?? "");
      if (!rec || !rec.live) return aadError(res, AADSTS.revoked as TokenError);
      if (fake.strictRotation) rec.live = false;
      return json(res, 200, grant(rec.scope));
    }
    aadError(res, { error: "unsupported_grant_type", aadsts: 70003, text: `The app requested an unsupported grant type '${p.grant_type}'.` });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeMicrosoft = {
    origin,
    env: () => ({
      MAILCFG_MICROSOFT_AUTH_URL: `${origin}/{tenant}/oauth2/v2.0/authorize`,
      MAILCFG_MICROSOFT_TOKEN_URL: `${origin}/{tenant}/oauth2/v2.0/token`,
      MAILCFG_MICROSOFT_DEVICE_CODE_URL: `${origin}/{tenant}/oauth2/v2.0/devicecode`,
      ...(fake.smtp ? { MAILCFG_MICROSOFT_SMTP_HOST: `127.0.0.1:${fake.smtp.port}` } : {}),
    }),
    consent: "allow",
    account: opts.account ?? "sales@contoso-fake.example",
    accessLifetime: 3600,
    strictRotation: false,
    authRequests: [],
    tokenRequests: [],
    grants: { authorization_code: 0, refresh_token: 0, device_code: 0 },
    emailClaim: undefined,
    deviceInterval: 0,
    deviceExpiresIn: 900,
    devicePolls: [],
    deviceRequests: [],
    approveDevice() {
      for (const d of devices.values()) d.approved = true;
    },
    lastUserCode: () => [...devices.values()].at(-1)?.userCode,
    accessToken(token) {
      const a = accessTokens.get(token);
      return a?.valid ? { user: a.user, scope: a.scope } : undefined;
    },
    secretsSeen: () => [...seen],
    liveRefreshTokens: () => [...refreshTokens.entries()].filter(([, r]) => r.live).map(([t]) => t),
    failNextToken(e, times = 1) {
      nextTokenFailure = { e, times };
    },
    revokeAll() {
      for (const r of refreshTokens.values()) r.live = false;
      for (const a of accessTokens.values()) a.valid = false;
    },
    expireAccessTokens() {
      for (const a of accessTokens.values()) a.valid = false;
    },
    smtpRefusal: undefined,
    smtpLogin({ user, accessToken }) {
      if (fake.smtpRefusal) return fake.smtpRefusal;
      const a = accessTokens.get(accessToken);
      const ok = a?.valid && a.scope.split(" ").includes(SMTP_SEND) && a.user.toLowerCase() === user.toLowerCase();
      return ok ? true : { responseCode: 535, message: SMTP_535_573 };
    },
    async startSmtp(ca) {
      fake.smtp = await startSmtpServer({ tls: ca.issue(), users: {}, xoauth2: (l) => fake.smtpLogin(l) });
      return fake.smtp;
    },
    async close() {
      await fake.smtp?.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return fake;
}

/**
 * Plays the browser: follows the authorization URL to the fake sign-in page and its
 * redirect to mailcfg's listener on http://localhost, as a user clicking Accept would.
 * Both hops stay on loopback.
 */
export function msBrowser(): { open: (url: string) => Promise<void>; pages: Array<{ status: number; body: string }>; landed: string[] } {
  const pages: Array<{ status: number; body: string }> = [];
  const landed: string[] = [];
  return {
    pages,
    landed,
    async open(url: string) {
      const signIn = await fetch(url, { redirect: "manual" });
      const location = signIn.headers.get("location");
      if (signIn.status !== 302 || !location) {
        pages.push({ status: signIn.status, body: await signIn.text() });
        return;
      }
      const back = new URL(location);
      if (back.hostname !== "localhost") throw new Error(`redirect is not to localhost: ${back.hostname}`);
      landed.push(back.href);
      const page = await fetch(back);
      pages.push({ status: page.status, body: await page.text() });
    },
  };
}
