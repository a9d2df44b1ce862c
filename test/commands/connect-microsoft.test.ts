import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import {
  AADSTS,
  FAKE_MS_CLIENT_ID,
  FAKE_TENANT_ID,
  SMTP_535_573,
  SMTP_SEND,
  msBrowser,
  startFakeMicrosoft,
  type FakeMicrosoft,
} from "../helpers/fake-microsoft.js";
import { type CliRun, runCli, tempConfig, type TempConfig, waitFor } from "../helpers/cli.js";
import { scriptedPrompter } from "../helpers/scripted-prompter.js";

const ACCOUNT = "sales@contoso-fake.example";
let ca: ThrowawayCa;
let caFile: string;
let fake: FakeMicrosoft;
let dir: string;
let cfg: TempConfig;

beforeAll(() => {
  ca = new ThrowawayCa("mailcfg microsoft test CA");
});

beforeEach(async () => {
  fake = await startFakeMicrosoft({ account: ACCOUNT });
  await fake.startSmtp(ca);
  cfg = tempConfig();
  dir = cfg.dir;
  caFile = join(dir, "test-ca.pem");
  writeFileSync(caFile, ca.cert);
});

afterEach(async () => {
  await fake.close();
  cfg.remove();
});

/** A desktop session (a browser can open), pointed at the fake identity platform and SMTP server. */
function desktopEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...fake.env(), DISPLAY: ":0", ...extra };
}

const AUTH_URL_IN_STDERR = /(http:\/\/127\.0\.0\.1:\d+\/[^/\s]+\/oauth2\/v2\.0\/authorize\?\S+)/;

interface Doc {
  ok: boolean;
  profile: Record<string, unknown>;
  testMail: Record<string, string>;
  error: Record<string, string>;
  profiles: Array<{ validation?: Record<string, unknown>; fix?: string; notes: string[]; owner: Record<string, string> }>;
  company?: Record<string, unknown>;
  results?: unknown[];
}

const parse = (text: string) => JSON.parse(text) as Doc;

function connect(args: string[] = [], env = desktopEnv(), browser = msBrowser()) {
  return runCli(["connect-microsoft", "company", "--client-id", FAKE_MS_CLIENT_ID, "--ca", caFile, ...args], { dir, env, openUrl: browser.open });
}

function storedToken(key = "company/refresh-token"): string | undefined {
  return cfg.secrets()[key];
}

describe("connect-microsoft: the whole flow", () => {
  it("signs in with PKCE on http://localhost, sends a test mail over SMTP with XOAUTH2, saves the profile and only the newest refresh token", async () => {
    fake.strictRotation = true; // a replaced refresh token stops working, as it may at Microsoft
    const browser = msBrowser();
    const run = await connect(["--json"], desktopEnv(), browser);
    expect(run.code).toBe(0);
    const doc = parse(run.stdout);
    expect(doc.profile).toMatchObject({
      type: "webmail",
      auth: "oauth2-microsoft",
      email: ACCOUNT,
      host: "127.0.0.1",
      port: fake.smtp?.port,
      security: "starttls",
      clientId: FAKE_MS_CLIENT_ID,
      // The account's own tenant (tid), so later refreshes go there rather than to "organizations".
      tenant: FAKE_TENANT_ID,
    });
    expect(Date.parse(String(doc.profile.connectedAt))).not.toBeNaN();

    // What the browser was sent to.
    const auth = fake.authRequests[0];
    expect(auth?.tenant).toBe("organizations");
    expect(auth?.params.redirect_uri).toMatch(/^http:\/\/localhost:\d+$/);
    expect(auth?.params.code_challenge_method).toBe("S256");
    expect(auth?.params.prompt).toBe("select_account");
    expect((auth?.params.scope ?? "").split(" ").sort()).toEqual([SMTP_SEND, "email", "offline_access", "openid", "profile"].sort());
    expect(browser.pages[0]).toMatchObject({ status: 200 });
    expect(browser.pages[0]?.body).toMatch(/You may close this tab/);

    // A public client: no secret at the token endpoint; the code exchange, then the refresh of the test mail.
    expect(fake.tokenRequests.map((r) => [r.tenant, r.params.grant_type])).toEqual([
      ["organizations", "authorization_code"],
      [FAKE_TENANT_ID, "refresh_token"],
    ]);
    expect(fake.tokenRequests.every((r) => r.params.client_secret === undefined)).toBe(true);

    // The test mail went over SMTP, encrypted, logged in as the mailbox.
    const m = fake.smtp?.messages[0];
    expect(fake.smtp?.messages).toHaveLength(1);
    expect(m).toMatchObject({ user: ACCOUNT, from: ACCOUNT, to: [ACCOUNT], secure: true });
    expect(m?.raw.toString()).toMatch(/Subject: mailcfg test mail: Company Email/);
    expect(doc.testMail.to).toBe(ACCOUNT);

    // The saved token is the one Microsoft issued last (the refresh rotated it), in the secret store only.
    expect(fake.liveRefreshTokens()).toEqual([storedToken()]);
    for (const s of fake.secretsSeen()) expect(cfg.configText()).not.toContain(s);
  });

  it("status then shows the OAuth profile, when it was connected, and no password warning", async () => {
    expect((await connect()).code).toBe(0);
    const status = await runCli(["status", "--json"], { dir, env: fake.env() });
    expect(status.code).toBe(0);
    const p = parse(status.stdout).profiles[0];
    expect(p?.notes).toEqual([]);
    const human = await runCli(["status"], { dir, env: fake.env() });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Company Email: webmail ${ACCOUNT} via 127.0.0.1:${fake.smtp?.port}`);
    expect(human.stdout).toMatch(/connected \d{4}-\d\d-\d\dT/);
  });

  it("connecting again reuses the saved client id and tenant", async () => {
    expect((await connect()).code).toBe(0);
    const again = await runCli(["connect-microsoft", "company", "--ca", caFile, "--json"], { dir, env: desktopEnv(), openUrl: msBrowser().open });
    expect(again.code).toBe(0);
    expect(fake.authRequests.map((a) => a.tenant)).toEqual(["organizations", FAKE_TENANT_ID]);
    expect(fake.smtp?.messages).toHaveLength(2);
  });

  it("takes the client id and tenant from the settings", async () => {
    expect((await runCli(["config", "set", "microsoft-client-id", FAKE_MS_CLIENT_ID.toUpperCase()], { dir })).code).toBe(0);
    expect((await runCli(["config", "set", "microsoft-tenant", "Contoso-Fake.onmicrosoft.com"], { dir })).code).toBe(0);
    const run = await runCli(["connect-microsoft", "user", "jdoe", "--ca", caFile, "--json"], { dir, env: desktopEnv(), openUrl: msBrowser().open });
    expect(run.code).toBe(0);
    expect(fake.authRequests[0]?.tenant).toBe("contoso-fake.onmicrosoft.com");
    expect(fake.authRequests[0]?.params.client_id).toBe(FAKE_MS_CLIENT_ID);
    expect(storedToken("user/jdoe/refresh-token")).toBeDefined();
  });

  it("setup --preset microsoft-oauth runs the same connect flow without a terminal", async () => {
    fake.strictRotation = true;
    const run = await runCli(
      ["setup", "company", "--preset", "microsoft-oauth", "--client-id", FAKE_MS_CLIENT_ID, "--tenant", FAKE_TENANT_ID, "--ca", caFile, "--json"],
      { dir, env: desktopEnv(), openUrl: msBrowser().open },
    );
    expect(run.code).toBe(0);
    expect(parse(run.stdout).profile).toMatchObject({ type: "webmail", auth: "oauth2-microsoft", email: ACCOUNT });
    expect(fake.authRequests[0]?.tenant).toBe(FAKE_TENANT_ID);
    expect(fake.liveRefreshTokens()).toEqual([storedToken()]);
  });

  it('the setup wizard offers "Microsoft 365 (OAuth)" under Webmail and runs the sign-in', async () => {
    const prompt = scriptedPrompter([
      ["Email Service Type", "webmail"],
      [
        "Outgoing mail server",
        (q) => {
          const oauth = q.values?.find((v) => (v as { id?: string }).id === "microsoft-oauth") as { name: string } | undefined;
          expect(oauth?.name).toMatch(/Microsoft 365 \(OAuth\)/);
          return oauth;
        },
      ],
      [/client\) ID/, FAKE_MS_CLIENT_ID],
      [/tenant/, FAKE_TENANT_ID],
      ["Display name", "Contoso Sales"],
      ["Signature", "Contoso Sales\\n+1 555 0100"],
    ]);
    const run = await runCli(["setup", "company", "--ca", caFile, "--no-discover"], { dir, env: desktopEnv(), terminal: true, prompt, openUrl: msBrowser().open });
    expect(run.code).toBe(0);
    const asked = prompt.asked.map((q) => q.message);
    expect(asked).toEqual([
      "Email Service Type",
      "Outgoing mail server",
      "Application (client) ID of the Entra app registration",
      "Directory (tenant) ID or domain (organizations for any work account)",
      "Display name (shown with the address in From)",
      "Signature under each message (\\n for a new line; empty: the display name and address)",
    ]);
    expect(parse(cfg.configText()).company).toMatchObject({
      auth: "oauth2-microsoft",
      email: ACCOUNT,
      name: "Contoso Sales",
      signature: { text: "Contoso Sales\n+1 555 0100" },
    });
    expect(run.stdout).toMatch(new RegExp(`Test mail sent to ${ACCOUNT.replace(/\./g, "\\.")}`));
    expect(run.stderr).not.toMatch(/basic authentication/);
  });
});

describe("connect-microsoft: the paste-the-address path", () => {
  it("--no-browser prints the address and takes the pasted redirect address from standard input", async () => {
    const stdin = new PassThrough();
    const run = runCli(["connect-microsoft", "company", "--client-id", FAKE_MS_CLIENT_ID, "--ca", caFile, "--no-browser", "--json"], {
      dir,
      env: desktopEnv(),
      stdin,
    });
    const [, url] = await waitFor(() => run.stderr, AUTH_URL_IN_STDERR);
    expect(run.stderr).toMatch(/No browser is opened \(--no-browser\)/);
    // Opened on another computer: the browser lands on http://localhost:<port>/?code=..., which does not load there.
    const signIn = await fetch(url ?? "", { redirect: "manual" });
    const landed = signIn.headers.get("location") ?? "";
    expect(landed).toMatch(/^http:\/\/localhost:\d+\/?\?code=/);
    stdin.write(`${landed}\n`);
    expect((await run).code).toBe(0);
    expect(parse(run.stdout).profile.email).toBe(ACCOUNT);
    expect(fake.smtp?.messages).toHaveLength(1);
    expect(storedToken()).toBeDefined();
  });
});

describe("connect-microsoft: failures, each explained, nothing saved", () => {
  async function failing(args: string[] = [], env = desktopEnv()) {
    const browser = msBrowser();
    const run = await connect(["--json", ...args], env, browser);
    const code = run.code;
    const doc = parse(run.stdout);
    expect(doc.ok).toBe(false);
    expect(cfg.configText()).not.toContain("oauth2-microsoft");
    expect(cfg.secrets()).toEqual({});
    expect(fake.smtp?.messages).toHaveLength(0);
    return { code, error: doc.error, browser };
  }

  it("consent required at the code exchange (AADSTS65001): oauth, exit 7, says how to grant consent", async () => {
    fake.failNextToken(AADSTS.consentRequired as never);
    const { code, error } = await failing();
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "AADSTS65001", provider: "Microsoft 365", next: "mailcfg connect-microsoft company" });
    expect(error.hint).toMatch(/SMTP\.Send/);
    expect(error.hint).toMatch(/Grant admin consent/);
    expect(error.evidence).toMatch(/^code-exchange: invalid_grant: AADSTS65001/);
  });

  it("app not found in the tenant (AADSTS700016) and user not assigned (AADSTS50105): oauth, exit 7, each with its fix", async () => {
    fake.failNextToken(AADSTS.appNotFound as never);
    const notFound = await failing();
    expect(notFound.code).toBe(7);
    expect(notFound.error).toMatchObject({ category: "oauth", code: "AADSTS700016" });
    expect(notFound.error.hint).toMatch(/--client-id.*--tenant/);

    fake.failNextToken(AADSTS.notAssigned as never);
    const notAssigned = await failing();
    expect(notAssigned.code).toBe(7);
    expect(notAssigned.error).toMatchObject({ category: "oauth", code: "AADSTS50105" });
    expect(notAssigned.error.hint).toMatch(/Users and groups/);
  });

  it("Cancel on the consent page (access_denied, AADSTS65004): oauth, exit 7; the browser is told too", async () => {
    fake.consent = "deny";
    const { code, error, browser } = await failing();
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "AADSTS65004" });
    expect(error.hint).toMatch(/Accept/);
    expect(browser.pages[0]?.status).toBe(400);
    expect(browser.pages[0]?.body).toMatch(/Not connected/);
    expect(fake.grants.authorization_code).toBe(0);
  });

  it("a token without SMTP.Send: oauth, exit 7, names the permission", async () => {
    fake.consent = "without-smtp-send";
    const { code, error } = await failing();
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "scope_not_granted" });
    expect(error.hint).toMatch(/Office 365 Exchange Online.*SMTP\.Send/);
  });

  it("a wrong state from the browser is refused before any code exchange", async () => {
    fake.consent = "wrong-state";
    const { code, error } = await failing();
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "state_mismatch" });
    expect(fake.grants.authorization_code).toBe(0);
  });

  it("535 5.7.3 at the test mail (SMTP AUTH off for the mailbox): auth, exit 3, with Set-CASMailbox", async () => {
    fake.smtpRefusal = { responseCode: 535, message: SMTP_535_573 };
    const { code, error } = await failing();
    expect(code).toBe(3);
    expect(error).toMatchObject({ category: "auth", code: "5.7.3", provider: "Microsoft 365" });
    expect(error.hint).toContain(`Set-CASMailbox -Identity ${ACCOUNT} -SmtpClientAuthenticationDisabled $false`);
    expect(error.evidence).toContain("535 5.7.3 Authentication unsuccessful");
  });

  it("bad input is a usage error naming the field, exit 2: client id, tenant, http override off loopback", async () => {
    const noId = await runCli(["connect-microsoft", "company", "--json"], { dir, env: desktopEnv() });
    expect(noId.code).toBe(2);
    expect(parse(noId.stdout).error.message).toMatch(/--client-id/);

    const secretAsId = await runCli(["connect-microsoft", "company", "--client-id", "Abc8Q~fake-client-secret-value-123456", "--json"], { dir, env: desktopEnv() });
    expect(secretAsId.code).toBe(2);
    expect(secretAsId.stdout).toMatch(/client secret/);
    expect(secretAsId.stdout).not.toContain("Abc8Q~fake-client-secret-value-123456");

    const consumers = await runCli(["connect-microsoft", "company", "--client-id", FAKE_MS_CLIENT_ID, "--tenant", "consumers", "--json"], { dir, env: desktopEnv() });
    expect(consumers.code).toBe(2);
    expect(parse(consumers.stdout).error.message).toMatch(/--tenant/);

    const badSetting = await runCli(["config", "set", "microsoft-client-id", "not-a-guid"], { dir });
    expect(badSetting.code).toBe(2);

    const http = await runCli(["connect-microsoft", "company", "--client-id", FAKE_MS_CLIENT_ID, "--json"], {
      dir,
      env: desktopEnv({ MAILCFG_MICROSOFT_TOKEN_URL: "http://login.example.com/{tenant}/oauth2/v2.0/token" }),
      openUrl: async () => {
        throw new Error("must not get this far");
      },
    });
    expect(http.code).toBe(2);
    expect(parse(http.stdout).error.message).toMatch(/MAILCFG_MICROSOFT_TOKEN_URL/);
    expect(fake.authRequests).toHaveLength(0);
    expect(cfg.configText()).not.toContain("oauth2-microsoft");
  });

  it("ad hoc validation of a Microsoft 365 OAuth mailbox is refused: it must be connected", async () => {
    const run = await runCli(["validate", "--type", "webmail", "--preset", "microsoft-oauth", "--json"], { dir, env: desktopEnv() });
    expect(run.code).toBe(2);
    expect(parse(run.stdout).error.hint).toMatch(/connect-microsoft/);
  });
});

describe("after connecting: refresh, rotation and revocation", () => {
  it("validate refreshes with the saved token and saves the rotated one, run after run", async () => {
    fake.strictRotation = true;
    expect((await connect()).code).toBe(0);
    const tokens = [storedToken()];
    for (let i = 0; i < 2; i++) {
      const run = await runCli(["validate", "company", "--ca", caFile, "--json"], { dir, env: fake.env() });
      expect(run.code).toBe(0);
      tokens.push(storedToken());
    }
    expect(new Set(tokens).size).toBe(3);
    expect(fake.liveRefreshTokens()).toEqual([tokens.at(-1)]);
    expect(fake.smtp?.messages).toHaveLength(3);
  });

  it("send --doc and queue run send with XOAUTH2 and keep each rotated token", async () => {
    fake.strictRotation = true;
    expect((await connect()).code).toBe(0);
    const before = storedToken();
    const doc = ["--doc", "overdue-invoice-reminder", "--to", "buyer@customer.test", "--var", "number=INV-9", "--var", "customer=Acme", "--var", "amount=100 EUR", "--var", "due_date=2026-12-01"];
    const sent = await runCli(["send", ...doc, "--ca", caFile, "--json"], { dir, env: fake.env() });
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    const afterSend = storedToken();
    expect(afterSend).not.toBe(before);
    expect(fake.liveRefreshTokens()).toEqual([afterSend]);

    expect((await runCli(["queue", "add", ...doc], { dir, env: fake.env() })).code).toBe(0);
    const ran = await runCli(["queue", "run", "--ca", caFile, "--json"], { dir, env: fake.env() });
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(storedToken()).not.toBe(afterSend);
    expect(fake.liveRefreshTokens()).toEqual([storedToken()]);
    expect(fake.smtp?.messages.map((m) => m.to)).toContainEqual(["buyer@customer.test"]);
  });

  it("a rotated token is saved even when the test mail then fails", async () => {
    fake.strictRotation = true;
    expect((await connect()).code).toBe(0);
    const before = storedToken();
    fake.smtpRefusal = { responseCode: 535, message: SMTP_535_573 };
    const failed = await runCli(["validate", "company", "--ca", caFile, "--json"], { dir, env: fake.env() });
    expect(failed.code).toBe(3);
    expect(storedToken()).not.toBe(before);
    fake.smtpRefusal = undefined;
    expect((await runCli(["validate", "company", "--ca", caFile], { dir, env: fake.env() })).code).toBe(0);
  });

  it("a revoked token is oauth, exit 7, with the AADSTS reason and the reconnect command (validate and status)", async () => {
    expect((await connect()).code).toBe(0);
    fake.revokeAll();
    const json = await runCli(["validate", "company", "--ca", caFile, "--json"], { dir, env: fake.env() });
    expect(json.code).toBe(7);
    const error = parse(json.stdout).error;
    expect(error).toMatchObject({ category: "oauth", code: "AADSTS50173", next: "mailcfg connect-microsoft company" });
    expect(error.message).toMatch(/password was changed or reset/);

    const human = await runCli(["validate", "company", "--ca", caFile], { dir, env: fake.env() });
    expect(human.code).toBe(7);
    expect(human.stderr).toMatch(/\[oauth\]/);
    expect(human.stderr).toMatch(/mailcfg connect-microsoft company/);

    const status = await runCli(["status", "--json"], { dir, env: fake.env() });
    expect(status.code).toBe(7);
    const p = parse(status.stdout).profiles[0];
    expect(p?.validation).toMatchObject({ ok: false, category: "oauth" });
    expect(p?.fix).toBe("mailcfg connect-microsoft company");
  });

  it("a refresh token expired from inactivity (AADSTS70008): oauth, exit 7, reconnect", async () => {
    expect((await connect()).code).toBe(0);
    fake.failNextToken(AADSTS.expiredInactive as never);
    const run = await runCli(["validate", "company", "--ca", caFile, "--json"], { dir, env: fake.env() });
    expect(run.code).toBe(7);
    expect(parse(run.stdout).error).toMatchObject({ category: "oauth", code: "AADSTS70008", next: "mailcfg connect-microsoft company" });
  });

  it("a profile whose refresh token is gone from the secret store: not configured, exit 7, reconnect", async () => {
    expect((await connect()).code).toBe(0);
    rmSync(join(dir, "secrets.json"));
    const run = await runCli(["validate", "company", "--ca", caFile, "--json"], { dir, env: fake.env() });
    expect(run.code).toBe(7);
    expect(parse(run.stdout).error).toMatchObject({ category: "not-configured", next: "mailcfg connect-microsoft company" });
  });

  it("no code, verifier or token reaches config.json or any output, human or JSON", async () => {
    fake.strictRotation = true;
    const outputs: string[] = [];
    const keep = async (run: CliRun) => {
      await run;
      outputs.push(run.stdout, run.stderr);
    };
    const browser = msBrowser();
    await keep(connect([], desktopEnv(), browser));
    await keep(runCli(["connect-microsoft", "user", "jdoe", "--client-id", FAKE_MS_CLIENT_ID, "--ca", caFile, "--json"], { dir, env: desktopEnv(), openUrl: browser.open }));
    await keep(runCli(["validate", "--all", "--ca", caFile], { dir, env: fake.env() }));
    await keep(runCli(["validate", "--all", "--ca", caFile, "--json"], { dir, env: fake.env() }));
    await keep(runCli(["status"], { dir, env: fake.env() }));
    await keep(runCli(["status", "--json"], { dir, env: fake.env() }));
    fake.smtpRefusal = { responseCode: 535, message: SMTP_535_573 };
    await keep(runCli(["validate", "company", "--ca", caFile], { dir, env: fake.env() }));
    await keep(runCli(["validate", "company", "--ca", caFile, "--json"], { dir, env: fake.env() }));
    fake.smtpRefusal = undefined;
    fake.revokeAll();
    await keep(runCli(["validate", "company", "--ca", caFile], { dir, env: fake.env() }));
    await keep(runCli(["validate", "user", "jdoe", "--ca", caFile, "--json"], { dir, env: fake.env() }));
    fake.failNextToken(AADSTS.consentRequired as never);
    await keep(connect([], desktopEnv(), browser));
    await keep(connect(["--json"], desktopEnv(), browser));

    const secrets = fake.secretsSeen();
    expect(secrets.filter((s) => s.includes("fake-code-")).length).toBeGreaterThanOrEqual(3);
    expect(secrets.filter((s) => s.includes("fake-refresh-")).length).toBeGreaterThanOrEqual(4);
    expect(secrets.filter((s) => s.startsWith("eyJ")).length).toBeGreaterThanOrEqual(4);
    const everything = [...outputs, cfg.configText(), ...browser.pages.map((p) => p.body)].join("\n");
    expect(everything).toContain(ACCOUNT);
    for (const s of secrets) expect(everything).not.toContain(s);
    // Not even the JWT payloads (each token's middle part) in any form.
    for (const s of secrets.filter((x) => x.startsWith("eyJ"))) expect(everything).not.toContain(s.split(".")[1] ?? "");
  });
});

describe("status marks Microsoft 365 profiles still on a password", () => {
  it("webmail to office365/outlook with a password, and Exchange Online over EWS, each with the command that moves it", async () => {
    const env = { MAILCFG_PASSWORD: "fake-password-123" };
    const saved = async (argv: string[]) => expect((await runCli([...argv, "--no-validate"], { dir, env })).code).toBe(0);
    await saved(["setup", "company", "--preset", "microsoft", "--email", "sales@contoso-fake.example"]);
    await saved(["setup", "user", "amy", "--host", "smtp-mail.outlook.com", "--email", "amy@contoso-fake.example"]);
    await saved([
      "setup", "user", "ews", "--type", "exchange", "--ews-url", "https://outlook.office365.com/EWS/Exchange.asmx",
      "--domain", "contoso-fake.example", "--username", "ews", "--email", "ews@contoso-fake.example",
    ]);
    await saved(["setup", "user", "other", "--host", "smtp.example.net", "--email", "other@contoso-fake.example"]);
    // And one already on OAuth.
    expect((await runCli(["connect-microsoft", "user", "jdoe", "--client-id", FAKE_MS_CLIENT_ID, "--ca", caFile], { dir, env: desktopEnv(), openUrl: msBrowser().open })).code).toBe(0);

    const json = await runCli(["status", "--json"], { dir });
    const notes = Object.fromEntries(parse(json.stdout).profiles.map((p) => [p.owner.id ?? "company", p.notes.join(" | ")]));
    expect(notes.company).toMatch(/basic authentication, disabled by default from the end of December 2026/);
    expect(notes.company).toMatch(/mailcfg connect-microsoft company --via graph \(or SMTP with OAuth: mailcfg connect-microsoft company --via smtp\)$/);
    expect(notes.amy).toMatch(/disabled by default from the end of December 2026.*mailcfg connect-microsoft user amy --via graph/);
    expect(notes.ews).toMatch(/Exchange Online no longer accepts passwords over EWS.*mailcfg connect-microsoft user ews --via graph$/);
    expect(notes.other).toBe("");
    expect(notes.jdoe).toBe("");

    const human = await runCli(["status"], { dir });
    expect(human.stdout).toMatch(/note: Microsoft 365 with a password: basic authentication, disabled by default from the end of December 2026/);
    expect(human.stdout).toContain("mailcfg connect-microsoft user amy");
  });
});
