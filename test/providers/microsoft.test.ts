import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProvider } from "../../src/providers/index.js";
import type { MailProvider } from "../../src/providers/types.js";
import type { WebmailSettings } from "../../src/config/types.js";
import { MailError } from "../../src/errors.js";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { AADSTS, FAKE_MS_CLIENT_ID, FAKE_TENANT_ID, SMTP_SEND, startFakeMicrosoft, type FakeMicrosoft } from "../helpers/fake-microsoft.js";

let ca: ThrowawayCa;
let fake: FakeMicrosoft;
let provider: MailProvider | undefined;
const ACCOUNT = "billing@contoso-fake.example";

beforeAll(() => {
  ca = new ThrowawayCa("mailcfg microsoft test CA");
});

beforeEach(async () => {
  fake = await startFakeMicrosoft({ account: ACCOUNT });
  await fake.startSmtp(ca);
});

afterEach(async () => {
  await provider?.close();
  provider = undefined;
  await fake.close();
});

afterAll(() => undefined);

/** A refresh token as after a sign-in: obtained through the fake's own code flow. */
async function signedInRefreshToken(): Promise<string> {
  const { createPkce } = await import("../../src/oauth/pkce.js");
  const pkce = createPkce();
  const redirect = "http://localhost:51234";
  const url = new URL(`${fake.origin}/organizations/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: FAKE_MS_CLIENT_ID,
    redirect_uri: redirect,
    response_type: "code",
    scope: `${SMTP_SEND} offline_access openid email profile`,
    state: "s",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
  }))
    url.searchParams.set(k, v);
  const consent = await fetch(url, { redirect: "manual" });
  const code = new URL(consent.headers.get("location") ?? "").searchParams.get("code") ?? "";
  const res = await fetch(`${fake.origin}/organizations/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({ client_id: FAKE_MS_CLIENT_ID, grant_type: "authorization_code", code, redirect_uri: redirect, code_verifier: pkce.verifier }),
  });
  return ((await res.json()) as { refresh_token: string }).refresh_token;
}

function settings(): WebmailSettings {
  return {
    type: "webmail",
    email: ACCOUNT,
    host: "127.0.0.1",
    port: fake.smtp?.port ?? 0,
    security: "starttls",
    auth: "oauth2-microsoft",
    clientId: FAKE_MS_CLIENT_ID,
    tenant: FAKE_TENANT_ID,
  };
}

async function microsoftProvider(secret: string, rotated: string[] = [], log: string[] = []): Promise<MailProvider> {
  provider = await createProvider({
    settings: settings(),
    secret,
    options: { timeoutMs: 5000, ca: [ca.cert], onLog: (l) => log.push(l) },
    env: fake.env(),
    onSecretRotated: async (s) => {
      rotated.push(s);
    },
  });
  return provider;
}

const mail = (subject: string) => ({ to: ["customer@example.net"], subject, text: "Invoice attached." });

async function failure(p: Promise<unknown>): Promise<MailError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MailError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

describe("Microsoft 365 provider (SMTP with XOAUTH2)", () => {
  it("verify refreshes at the profile's tenant and logs in with XOAUTH2 after STARTTLS; send delivers as the mailbox", async () => {
    const rotated: string[] = [];
    const p = await microsoftProvider(await signedInRefreshToken(), rotated);
    const evidence = await p.verify();
    expect(evidence.summary).toMatch(/XOAUTH2/);
    expect(evidence.facts.scope).toBe(SMTP_SEND);
    expect(fake.tokenRequests.at(-1)?.tenant).toBe(FAKE_TENANT_ID);
    expect(fake.tokenRequests.at(-1)?.params.client_secret).toBeUndefined();

    const sent = await p.send(mail("Invoice INV-1001"));
    expect(sent.accepted).toEqual(["customer@example.net"]);
    const m = fake.smtp?.messages[0];
    expect(m?.user).toBe(ACCOUNT);
    expect(m?.secure).toBe(true);
    expect(m?.from).toBe(ACCOUNT);
    // The token of verify was still good for an hour: no second refresh.
    expect(fake.grants.refresh_token).toBe(1);
    expect(rotated).toHaveLength(1);
  });

  it("hands every rotated refresh token to the caller at once, and refreshes with the newest", async () => {
    fake.strictRotation = true; // a used refresh token stops working
    fake.accessLifetime = 60; // shorter than the refresh margin: every send refreshes
    const first = await signedInRefreshToken();
    const rotated: string[] = [];
    const p = await microsoftProvider(first, rotated);
    await p.verify();
    await p.send(mail("one"));
    await p.send(mail("two"));
    expect(fake.grants.refresh_token).toBe(3);
    expect(rotated).toHaveLength(3);
    expect(new Set([first, ...rotated]).size).toBe(4);
    // The last one handed over is the one Microsoft still honours.
    expect(fake.liveRefreshTokens()).toEqual([rotated.at(-1)]);
    expect(fake.smtp?.messages).toHaveLength(2);
  });

  it("refreshes and logs in again when the server refuses a token the client still thought good", async () => {
    const p = await microsoftProvider(await signedInRefreshToken());
    await p.send(mail("first"));
    expect(fake.grants.refresh_token).toBe(1);
    fake.expireAccessTokens();
    await p.send(mail("second"));
    expect(fake.grants.refresh_token).toBe(2);
    expect(fake.smtp?.messages.map((m) => m.raw.toString()).map((r) => /Subject: (\w+)/.exec(r)?.[1])).toEqual(["first", "second"]);
  });

  it("535 5.7.3 after XOAUTH2 with a fresh token: auth, SMTP AUTH for the mailbox and SMTP.Send explained", async () => {
    fake.smtpRefusal = { responseCode: 535, message: "5.7.3 Authentication unsuccessful [SN7PR04CA0123.namprd04.prod.outlook.com]" };
    const p = await microsoftProvider(await signedInRefreshToken());
    const err = await failure(p.verify());
    expect(err.category).toBe("auth");
    expect(err.details.code).toBe("5.7.3");
    expect(err.details.provider).toBe("Microsoft 365");
    expect(err.message).toMatch(/SMTP AUTH is disabled for the mailbox/);
    expect(err.hint).toContain(`Set-CASMailbox -Identity ${ACCOUNT} -SmtpClientAuthenticationDisabled $false`);
    expect(err.hint).toMatch(/SMTP\.Send/);
    // Not the password advice of the same reply to a password login.
    expect(err.hint).not.toMatch(/email address and password/);
    expect(err.details.evidence).toMatch(/^at AUTH XOAUTH2: /);
    // A refusal of a token issued moments ago is not retried.
    expect(fake.grants.refresh_token).toBe(1);
  });

  it("5.7.139 variants after XOAUTH2: SMTP AUTH off for the mailbox, or for the tenant", async () => {
    fake.smtpRefusal = { responseCode: 535, message: "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information." };
    const mailbox = await failure((await microsoftProvider(await signedInRefreshToken())).verify());
    expect(mailbox.category).toBe("auth");
    expect(mailbox.details.code).toBe("5.7.139");
    expect(mailbox.message).toMatch(/turned off for the mailbox/);
    expect(mailbox.hint).toMatch(/Set-CASMailbox/);
    await provider?.close();

    fake.smtpRefusal = { responseCode: 535, message: "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information." };
    const tenant = await failure((await microsoftProvider(await signedInRefreshToken())).verify());
    expect(tenant.message).toMatch(/whole Microsoft 365 tenant/);
    expect(tenant.hint).toMatch(/Set-TransportConfig -SmtpClientAuthenticationDisabled \$false/);
  });

  it("a revoked refresh token: oauth with the AADSTS number; a token without SMTP.Send: oauth, scope not granted", async () => {
    const p = await microsoftProvider(await signedInRefreshToken());
    fake.revokeAll();
    const revoked = await failure(p.verify());
    expect(revoked.category).toBe("oauth");
    expect(revoked.details.code).toBe("AADSTS50173");
    expect(revoked.details.evidence).toMatch(/^refresh: invalid_grant: AADSTS50173/);
    await provider?.close();

    fake.consent = "without-smtp-send";
    const q = await microsoftProvider(await signedInRefreshToken());
    const scope = await failure(q.verify());
    expect(scope.category).toBe("oauth");
    expect(scope.details.code).toBe("scope_not_granted");
    expect(fake.smtp?.messages).toHaveLength(0);
  });

  it("AADSTS errors at refresh each say what to do", async () => {
    const cases: Array<[keyof typeof AADSTS, string, RegExp]> = [
      ["consentRequired", "AADSTS65001", /Grant admin consent/],
      ["appNotFound", "AADSTS700016", /Application \(client\) ID/],
      ["notAssigned", "AADSTS50105", /Users and groups/],
      ["expiredInactive", "AADSTS70008", /Connect the account again/],
    ];
    for (const [name, code, hint] of cases) {
      const p = await microsoftProvider(await signedInRefreshToken());
      const e = AADSTS[name];
      if (!e) throw new Error(name);
      fake.failNextToken(e);
      const err = await failure(p.verify());
      expect(err.category, name).toBe("oauth");
      expect(err.details.code, name).toBe(code);
      expect(err.hint, name).toMatch(hint);
      await p.close();
    }
  });

  it("protocol log lines never carry a token", async () => {
    const log: string[] = [];
    const secret = await signedInRefreshToken();
    const p = await microsoftProvider(secret, [], log);
    await p.verify();
    await p.send(mail("logged"));
    const text = log.join("\n");
    expect(text).toMatch(/AUTH XOAUTH2/);
    expect(text).toMatch(/235/);
    for (const s of fake.secretsSeen()) expect(text).not.toContain(s);
  });

  it("without a saved refresh token or client id: not configured, naming connect-microsoft", async () => {
    const err = await failure(createProvider({ settings: settings(), options: { timeoutMs: 1000 }, env: fake.env() }));
    expect(err.category).toBe("not-configured");
    expect(err.details.next).toMatch(/connect-microsoft/);
  });
});
