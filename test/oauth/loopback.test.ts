import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { authorize, desktopProblem, durationWords, type OAuthClientConfig } from "../../src/oauth/loopback.js";
import { pastedParams } from "../../src/oauth/redirect.js";
import { exchangeCode, refreshToken } from "../../src/oauth/token.js";
import { oauthFailure } from "../../src/oauth/errors.js";
import { endpointFromEnv } from "../../src/oauth/endpoints.js";
import { readLine } from "../../src/oauth/lines.js";
import { emailFromIdToken } from "../../src/oauth/jwt.js";
import { MailError, UsageError } from "../../src/errors.js";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, GMAIL_SEND, startFakeGoogle, type FakeGoogle } from "../helpers/fake-google.js";
import { testContext, type TestContext } from "../helpers/cli.js";

let fake: FakeGoogle;

beforeEach(async () => {
  fake = await startFakeGoogle({ account: "ops@acme-fake.example" });
});
afterEach(async () => {
  await fake.close();
});

/** A provider-neutral client, as another provider (not Google) would describe itself. */
function genericClient(over: Partial<OAuthClientConfig> = {}): OAuthClientConfig {
  return {
    provider: "Example ID",
    authorizationUrl: fake.authUrl,
    tokenUrl: fake.tokenUrl,
    clientId: FAKE_CLIENT_ID,
    clientSecret: FAKE_CLIENT_SECRET,
    scopes: [GMAIL_SEND, "openid", "email"],
    redirectHost: "localhost",
    redirectPath: "/callback",
    ...over,
  };
}

/** A desktop session (DISPLAY set, nothing else); stdin stays open unless the test ends it. */
function ctxWith(openUrl: (url: string) => Promise<void>, stdin = new PassThrough()): TestContext {
  return testContext({ env: { DISPLAY: ":0" }, openUrl, stdin });
}

/** Follows the consent redirect by hand, returning the listener's answer. */
async function followToListener(url: string): Promise<{ landed: string; status: number; body: string }> {
  const consent = await fetch(url, { redirect: "manual" });
  const landed = consent.headers.get("location") ?? "";
  const page = await fetch(landed);
  return { landed, status: page.status, body: await page.text() };
}

describe("authorize (generic loopback flow)", () => {
  it("works for any provider: localhost redirect with a path, extra parameters, then the generic token exchange", async () => {
    let landed = "";
    const { ctx } = ctxWith(async (url) => {
      // A request without an answer (a browser's favicon or a prefetch) is not taken for one.
      const redirectBase = new URL(new URL(url).searchParams.get("redirect_uri") ?? "");
      expect((await fetch(new URL("/favicon.ico", redirectBase))).status).toBe(404);
      expect((await fetch(redirectBase)).status).toBe(404);
      landed = (await followToListener(url)).landed;
    });
    const grant = await authorize(ctx, genericClient({ extraAuthParams: { login_hint: "ops@acme-fake.example" } }), { browser: true });
    expect(grant.redirectUri).toMatch(/^http:\/\/localhost:\d+\/callback$/);
    expect(grant.via).toBe("browser");
    expect(fake.authRequests[0]?.params.login_hint).toBe("ops@acme-fake.example");

    // Exactly one answer: the listener is gone once it has one.
    await expect(fetch(landed.replace("localhost", "127.0.0.1"))).rejects.toThrow();

    const tokens = await exchangeCode(genericClient(), grant, { timeoutMs: 5000 });
    expect(tokens.refresh_token).toMatch(/fake-refresh-/);
    expect(emailFromIdToken(tokens.id_token)).toBe("ops@acme-fake.example");
    const refreshed = await refreshToken(genericClient(), tokens.refresh_token ?? "", { timeoutMs: 5000 });
    expect(refreshed.access_token).toMatch(/fake-access-/);
  });

  it("the generic exchange refuses a code with the wrong verifier (PKCE) as oauth invalid_grant", async () => {
    const { ctx } = ctxWith(async (url) => void (await followToListener(url)));
    const grant = await authorize(ctx, genericClient(), { browser: true });
    const err = await exchangeCode(genericClient(), { ...grant, codeVerifier: grant.codeVerifier + "x" }, { timeoutMs: 5000, reconnect: "mailcfg connect-x company" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailError);
    expect((err as MailError).category).toBe("oauth");
    expect((err as MailError).details).toMatchObject({ code: "invalid_grant", next: "mailcfg connect-x company" });
    expect(JSON.stringify((err as MailError).details)).not.toContain(grant.code);
  });

  it("a refresh of a revoked token is oauth invalid_grant with the refresh explanation", async () => {
    const token = fake.issueRefreshToken();
    fake.revokeAll();
    const err = (await refreshToken(genericClient(), token, { timeoutMs: 5000 }).catch((e: unknown) => e)) as MailError;
    expect(err.category).toBe("oauth");
    expect(err.message).toMatch(/expired or been revoked/);
    expect(err.details.evidence).not.toContain(token);
  });

  it("an unreachable token endpoint is a server failure", async () => {
    const err = (await refreshToken(genericClient({ tokenUrl: "http://127.0.0.1:1/token" }), "x-token", { timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    )) as MailError;
    expect(err.category).toBe("server");
  });

  it("paste path: error=access_denied in the pasted address ends the flow as oauth", async () => {
    fake.consent = "deny";
    const stdin = new PassThrough();
    const { ctx, stderr } = ctxWith(async () => {
      throw new Error("no browser here");
    }, stdin);
    const pending = authorize(ctx, genericClient(), { browser: false });
    const url = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/;
    for (let i = 0; i < 200 && !url.test(stderr()); i++) await new Promise((r) => setTimeout(r, 10));
    const consent = await fetch(url.exec(stderr())?.[1] ?? "", { redirect: "manual" });
    stdin.write(`\n${consent.headers.get("location")}\n`);
    const e = (await pending.catch((x: unknown) => x)) as MailError;
    expect(e.category).toBe("oauth");
    expect(e.details.code).toBe("access_denied");
  });

  it("paste path: the browser may still answer on the listener first", async () => {
    const stdin = new PassThrough();
    const { ctx, stderr } = ctxWith(async () => undefined, stdin);
    const pending = authorize(ctx, genericClient(), { browser: false });
    const url = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/;
    for (let i = 0; i < 200 && !url.test(stderr()); i++) await new Promise((r) => setTimeout(r, 10));
    await followToListener(url.exec(stderr())?.[1] ?? "");
    const grant = await pending;
    expect(grant.via).toBe("browser");
    // The pending read of standard input was withdrawn: a line written now stays unread.
    stdin.write("late line\n");
    expect(await readLine(stdin)).toBe("late line");
  });

  it("times out with an oauth error after the given time", async () => {
    const { ctx } = ctxWith(async () => undefined);
    const started = Date.now();
    const e = (await authorize(ctx, genericClient(), { browser: true, timeoutMs: 200 }).catch((x: unknown) => x)) as MailError;
    expect(e.category).toBe("oauth");
    expect(e.details.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("pieces of the flow", () => {
  it.each([
    ["access_denied", "consent", "oauth"],
    ["redirect_uri_mismatch", "consent", "oauth"],
    ["invalid_client", "code-exchange", "oauth"],
    ["invalid_grant", "refresh", "oauth"],
    ["invalid_scope", "consent", "oauth"],
    ["temporarily_unavailable", "consent", "server"],
    ["something_new", "consent", "oauth"],
  ] as const)("%s at %s is %s, with its own explanation", (code, stage, category) => {
    const e = oauthFailure(code, "desc", { provider: "Example ID", stage, reconnect: "mailcfg connect-x company" });
    expect(e.category).toBe(category);
    expect(e.details.code).toBe(code);
    expect(e.details.next).toBe("mailcfg connect-x company");
    expect(e.message).toContain(code);
  });

  it("provider advice is added per code or per stage:code", () => {
    const advice = { "refresh:invalid_grant": "seven days", access_denied: "test users" };
    expect(oauthFailure("invalid_grant", undefined, { provider: "P", stage: "refresh", advice }).hint).toMatch(/seven days/);
    expect(oauthFailure("invalid_grant", undefined, { provider: "P", stage: "code-exchange", advice }).hint).not.toMatch(/seven days/);
    expect(oauthFailure("access_denied", undefined, { provider: "P", stage: "consent", advice }).hint).toMatch(/test users/);
  });

  it.each([
    [{ SSH_CONNECTION: "1 2 3 4" }, "linux", "SSH"],
    [{}, "linux", "DISPLAY"],
    [{ DISPLAY: ":0" }, "linux", undefined],
    [{ WAYLAND_DISPLAY: "wayland-0" }, "linux", undefined],
    [{}, "darwin", undefined],
    [{ SSH_TTY: "/dev/pts/1" }, "darwin", "SSH"],
  ] as const)("desktop detection %j on %s", (env, platform, problem) => {
    const p = desktopProblem(env, platform);
    if (problem) expect(p).toContain(problem);
    else expect(p).toBeUndefined();
  });

  it("reads a pasted address, with or without quotes, or just its query", () => {
    expect(pastedParams("http://127.0.0.1:5555/?state=s&code=c")?.get("code")).toBe("c");
    expect(pastedParams(' "http://127.0.0.1:5555/?state=s&code=c" ')?.get("state")).toBe("s");
    expect(pastedParams("?state=s&code=c")?.get("code")).toBe("c");
    expect(pastedParams("hello there")).toBeUndefined();
  });

  it("endpoint overrides: https anywhere, http only on loopback, named in the error", () => {
    expect(endpointFromEnv({}, "X_URL", "https://default.example/")).toBe("https://default.example/");
    expect(endpointFromEnv({ X_URL: "https://idp.example.com/token" }, "X_URL", "https://d/")).toBe("https://idp.example.com/token");
    expect(endpointFromEnv({ X_URL: "http://127.0.0.1:8080/token" }, "X_URL", "https://d/")).toBe("http://127.0.0.1:8080/token");
    expect(endpointFromEnv({ X_URL: "http://[::1]:8080/t" }, "X_URL", "https://d/")).toBe("http://[::1]:8080/t");
    expect(endpointFromEnv({ X_URL: "http://localhost:8080/t" }, "X_URL", "https://d/")).toBe("http://localhost:8080/t");
    for (const bad of ["http://idp.example.com/token", "ftp://127.0.0.1/x", "not a url"]) {
      const run = () => endpointFromEnv({ X_URL: bad }, "X_URL", "https://d/");
      expect(run).toThrow(UsageError);
      expect(run).toThrow(/X_URL/);
    }
  });

  it("reads lines one at a time, leaving the rest for the next reader", async () => {
    const s = new PassThrough();
    s.end("first\r\nsecond\nthird");
    expect(await readLine(s)).toBe("first");
    expect(await readLine(s)).toBe("second");
    expect(await readLine(s)).toBe("third");
    expect(await readLine(s)).toBeUndefined();
  });

  it("says durations in words", () => {
    expect(durationWords(300_000)).toBe("5 minutes");
    expect(durationWords(1000)).toBe("1 second");
    expect(durationWords(300)).toBe("300 ms");
  });
});
