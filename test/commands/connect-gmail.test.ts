import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import {
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  GMAIL_SEND,
  fakeBrowser,
  redirectAddressFor,
  startFakeGoogle,
  type FakeGoogle,
} from "../helpers/fake-google.js";
import { type CliRun, runCli, tempConfig, type TempConfig, waitFor } from "../helpers/cli.js";
import { scriptedPrompter } from "../helpers/scripted-prompter.js";
import { setSetting } from "../helpers/profiles.js";

let fake: FakeGoogle;
let dir: string;
let cfg: TempConfig;

/** A desktop session (a browser can open) pointed at the fake Google, client secret in the environment. */
function desktopEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...fake.env(), DISPLAY: ":0", MAILCFG_GOOGLE_CLIENT_SECRET: FAKE_CLIENT_SECRET, ...extra };
}

const AUTH_URL_IN_STDERR = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/;

beforeEach(async () => {
  fake = await startFakeGoogle({ account: "sales@acme-fake.example" });
  cfg = tempConfig();
  dir = cfg.dir;
});

afterEach(async () => {
  await fake.close();
  cfg.remove();
});

/** The parts of mailcfg's JSON documents these tests read. */
interface Doc {
  ok: boolean;
  profile: Record<string, string>;
  testMail: Record<string, string>;
  error: Record<string, string>;
  profiles: Array<{ validation?: Record<string, unknown>; fix?: string }>;
  company?: Record<string, unknown>;
}

function parseJson(text: string): Doc {
  return JSON.parse(text) as Doc;
}

describe("connect-gmail: the whole flow", () => {
  it("signs in with PKCE, sends a test mail to the account, and saves the profile with the token in the secret store only", async () => {
    const browser = fakeBrowser();
    const run = await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json"], {
      dir,
      env: desktopEnv(),
      openUrl: browser.open,
    });
    expect(run.code).toBe(0);
    const doc = parseJson(run.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.profile).toMatchObject({ type: "gmail", email: "sales@acme-fake.example", clientId: FAKE_CLIENT_ID });
    expect(Date.parse(doc.profile.connectedAt ?? "")).not.toBeNaN();

    // The authorization request a user's browser was sent to.
    const auth = fake.authRequests[0]?.params ?? {};
    expect(auth.code_challenge_method).toBe("S256");
    expect(auth.access_type).toBe("offline");
    expect(auth.prompt).toBe("consent");
    expect((auth.scope ?? "").split(" ").sort()).toEqual([GMAIL_SEND, "email", "openid"].sort());
    expect(auth.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The fake token endpoint refuses a code whose verifier does not match the challenge.
    expect(fake.grants.authorization_code).toBe(1);

    // The browser was told it may close the tab.
    expect(browser.pages).toHaveLength(1);
    expect(browser.pages[0]?.status).toBe(200);
    expect(browser.pages[0]?.body).toMatch(/You may close this tab/);

    // The test mail went through the Gmail API, from and to the account.
    expect(fake.sent).toHaveLength(1);
    const h = fake.sent[0]?.headers ?? {};
    expect(h.from).toBe("sales@acme-fake.example");
    expect(h.to).toBe("sales@acme-fake.example");
    expect(h.subject).toMatch(/mailcfg test mail: Company Email/);
    expect(doc.testMail.to).toBe("sales@acme-fake.example");

    // Saved: the profile in config.json, the refresh token only in the secret store.
    const config = parseJson(cfg.configText());
    expect(config.company).toMatchObject({ type: "gmail", email: "sales@acme-fake.example", clientId: FAKE_CLIENT_ID });
    const secrets = cfg.secrets();
    const stored = JSON.parse(secrets["company/refresh-token"] ?? "{}") as { refreshToken?: string; clientSecret?: string };
    expect(stored.refreshToken).toMatch(/^1\/\/fake-refresh-/);
    expect(stored.clientSecret).toBe(FAKE_CLIENT_SECRET);
    for (const s of fake.secretsSeen()) expect(cfg.configText()).not.toContain(s);
  });

  it("status then shows when the Gmail profile was connected and last used", async () => {
    const browser = fakeBrowser();
    expect((await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID], { dir, env: desktopEnv(), openUrl: browser.open })).code).toBe(0);
    const status = await runCli(["status"], { dir, env: desktopEnv() });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Company Email: gmail sales@acme-fake\.example via Gmail API/);
    expect(status.stdout).toMatch(/connected \d{4}-\d\d-\d\dT/);
    expect(status.stdout).toMatch(/last used \d{4}-\d\d-\d\dT/);
  });

  it("setup --type gmail runs the same connect flow", async () => {
    const browser = fakeBrowser();
    const run = await runCli(["setup", "user", "jdoe", "--type", "gmail", "--client-id", FAKE_CLIENT_ID, "--json"], {
      dir,
      env: desktopEnv(),
      openUrl: browser.open,
    });
    expect(run.code).toBe(0);
    expect(parseJson(run.stdout).profile).toMatchObject({ type: "gmail", email: "sales@acme-fake.example" });
    expect(fake.sent).toHaveLength(1);
    expect(cfg.secrets()["user/jdoe/refresh-token"]).toBeDefined();
  });

  it("the setup wizard on a terminal offers Gmail and runs the same connect flow", async () => {
    const browser = fakeBrowser();
    const prompt = scriptedPrompter([
      [
        "Email Service Type",
        (q) => {
          expect(q.values).toContain("gmail");
          return "gmail";
        },
      ],
      [/client id/, FAKE_CLIENT_ID],
      [/client secret/, FAKE_CLIENT_SECRET],
      ["Display name", "Acme Sales"],
      ["Signature", ""],
    ]);
    const run = await runCli(["setup", "company", "--no-discover"], { dir, env: { ...fake.env(), DISPLAY: ":0" }, terminal: true, prompt, openUrl: browser.open });
    expect(run.code).toBe(0);
    const asked = prompt.asked.map((q) => q.message);
    expect(asked).toHaveLength(5);
    expect(asked.slice(-2)).toEqual([expect.stringMatching(/^Display name/), expect.stringMatching(/^Signature/)]);
    expect(parseJson(cfg.configText()).company).toMatchObject({ type: "gmail", email: "sales@acme-fake.example", name: "Acme Sales" });
    expect(run.stdout).toMatch(/Test mail sent to sales@acme-fake\.example/);
  });

  it("ad hoc validation of a Gmail account is refused: it must be connected", async () => {
    const run = await runCli(["validate", "--type", "gmail", "--json"], { dir, env: desktopEnv() });
    expect(run.code).toBe(2);
    expect(parseJson(run.stdout).error.hint).toMatch(/connect-gmail/);
  });

  it("reuses the client id setting and the client secret saved with an earlier connection", async () => {
    const browser = fakeBrowser();
    expect((await runCli(["config", "set", "google-client-id", FAKE_CLIENT_ID], { dir })).code).toBe(0);
    expect((await runCli(["connect-gmail", "company"], { dir, env: desktopEnv(), openUrl: browser.open })).code).toBe(0);
    // No secret in the environment this time: the saved one is used.
    const env = { ...fake.env(), DISPLAY: ":0" };
    const second = await runCli(["connect-gmail", "user", "jdoe", "--json"], { dir, env, openUrl: browser.open });
    expect(second.code).toBe(0);
    expect(fake.grants.authorization_code).toBe(2);
  });
});

describe("connect-gmail: the paste-the-address path", () => {
  it("--no-browser prints the address and takes the pasted redirect address from standard input", async () => {
    const stdin = new PassThrough();
    // The client secret on the first line, the pasted address later on the next.
    stdin.write(`${FAKE_CLIENT_SECRET}\n`);
    const run = runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--client-secret-stdin", "--no-browser", "--json"], {
      dir,
      env: { ...fake.env(), DISPLAY: ":0" },
      stdin,
    });
    const [, url] = await waitFor(() => run.stderr, AUTH_URL_IN_STDERR);
    // The user opens it on another computer; its browser lands on an address that will not load.
    const landed = await redirectAddressFor(url ?? "");
    stdin.write(`${landed}\n`);
    expect((await run).code).toBe(0);
    expect(parseJson(run.stdout).profile.email).toBe("sales@acme-fake.example");
    expect(run.stderr).toMatch(/No browser is opened \(--no-browser\)/);
    expect(fake.sent).toHaveLength(1);
  });

  it("over SSH on a terminal it asks for the address, and asks again when the pasted one is from another attempt", async () => {
    let asked = 0;
    const started: { run?: CliRun } = {};
    const prompt = scriptedPrompter([
      [
        /Paste the address/,
        async (q) => {
          asked++;
          const [, url] = AUTH_URL_IN_STDERR.exec(started.run?.stderr ?? "") ?? [];
          const landed = await redirectAddressFor(url ?? "");
          const other = new URL(landed);
          other.searchParams.set("state", "some-older-attempt");
          expect(q.validate?.(other.href)).toMatch(/another sign-in attempt/);
          expect(q.validate?.("not an address")).toMatch(/not an address/);
          expect(q.validate?.(landed)).toBe(true);
          return landed;
        },
      ],
    ]);
    const run = (started.run = runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json"], {
      dir,
      env: { ...fake.env(), SSH_CONNECTION: "10.0.0.1 5555 10.0.0.2 22", DISPLAY: ":0", MAILCFG_GOOGLE_CLIENT_SECRET: FAKE_CLIENT_SECRET },
      terminal: true,
      prompt,
    }));
    expect((await run).code).toBe(0);
    expect(asked).toBe(1);
    expect(run.stderr).toMatch(/SSH session/);
  });

  it("a pasted address from another attempt is a usage error without a terminal, and nothing is saved", async () => {
    const stdin = new PassThrough();
    const run = runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--no-browser", "--json"], {
      dir,
      env: desktopEnv(),
      stdin,
    });
    const [, url] = await waitFor(() => run.stderr, AUTH_URL_IN_STDERR);
    const landed = new URL(await redirectAddressFor(url ?? ""));
    landed.searchParams.set("state", "some-older-attempt");
    stdin.write(`${landed.href}\n`);
    expect((await run).code).toBe(2);
    expect(parseJson(run.stdout).error.category).toBe("usage");
    expect(fake.grants.authorization_code).toBe(0);
    expect(cfg.configText()).not.toContain("gmail");
  });
});

describe("connect-gmail: failures, each explained, nothing saved", () => {
  async function failingConnect(env = desktopEnv(), extra: string[] = []) {
    const browser = fakeBrowser();
    const run = await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json", ...extra], { dir, env, openUrl: browser.open });
    const code = run.code;
    const doc = parseJson(run.stdout);
    expect(doc.ok).toBe(false);
    expect(cfg.configText()).not.toContain("gmail");
    expect(cfg.secrets()).toEqual({});
    expect(fake.sent).toHaveLength(0);
    return { code, error: doc.error as Record<string, string>, browser, run };
  }

  it("a wrong state from the browser is refused: oauth, exit 7", async () => {
    fake.consent = "wrong-state";
    const { code, error, browser } = await failingConnect();
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "state_mismatch", next: "mailcfg connect-gmail company" });
    expect(browser.pages[0]?.status).toBe(400);
    expect(fake.grants.authorization_code).toBe(0);
  });

  it("Cancel on the consent page (access_denied): oauth, exit 7, says how to allow", async () => {
    fake.consent = "deny";
    const { code, error, browser } = await failingConnect();
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "access_denied" });
    expect(error.hint).toMatch(/Allow/);
    expect(error.hint).toMatch(/test users/);
    expect(browser.pages[0]?.body).toMatch(/Not connected/);
  });

  it("unticking the send permission: oauth, exit 7", async () => {
    fake.consent = "without-send-scope";
    const { code, error } = await failingConnect();
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "scope_not_granted" });
  });

  it("a wrong client secret (invalid_client at the token endpoint): oauth, exit 7, names the Desktop app client", async () => {
    const { code, error } = await failingConnect(desktopEnv({ MAILCFG_GOOGLE_CLIENT_SECRET: "GOCSPX-wrong-secret-456" }));
    expect(code).toBe(7);
    expect(error).toMatchObject({ category: "oauth", code: "invalid_client" });
    expect(error.hint).toMatch(/Desktop app/);
    expect(JSON.stringify(error)).not.toContain("GOCSPX-wrong-secret-456");
  });

  it("no answer before the timeout: oauth, exit 7, with what to check", async () => {
    const started = Date.now();
    const run = await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--timeout", "0.3", "--json"], {
      dir,
      env: desktopEnv(),
      openUrl: async () => undefined, // the browser opens, the user never finishes
    });
    expect(run.code).toBe(7);
    expect(Date.now() - started).toBeLessThan(5000);
    const error = parseJson(run.stdout).error as Record<string, string>;
    expect(error).toMatchObject({ category: "oauth", code: "timeout" });
    expect(error.evidence).toMatch(/300 ms/);
    expect(error.hint).toMatch(/--no-browser/);
    expect(cfg.configText()).not.toContain("gmail");
  });

  it("an http override on another machine is a usage error naming the variable; nothing is contacted", async () => {
    const run = await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json"], {
      dir,
      env: desktopEnv({ MAILCFG_GOOGLE_TOKEN_URL: "http://tokens.example.com/token" }),
      openUrl: async () => {
        throw new Error("must not get this far");
      },
    });
    expect(run.code).toBe(2);
    const error = parseJson(run.stdout).error as Record<string, string>;
    expect(error.category).toBe("usage");
    expect(error.message).toMatch(/MAILCFG_GOOGLE_TOKEN_URL/);
    expect(fake.authRequests).toHaveLength(0);
  });

  it("without a terminal, a missing client id or secret names the flag", async () => {
    const noId = await runCli(["connect-gmail", "company", "--json"], { dir, env: desktopEnv() });
    expect(noId.code).toBe(2);
    expect(parseJson(noId.stdout).error.message).toMatch(/--client-id/);

    const noSecret = await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json"], { dir, env: { ...fake.env(), DISPLAY: ":0" } });
    expect(noSecret.code).toBe(2);
    expect(parseJson(noSecret.stdout).error.hint).toMatch(/--client-secret-stdin|MAILCFG_GOOGLE_CLIENT_SECRET/);

    const secretAsId = await runCli(["connect-gmail", "company", "--client-id", "GOCSPX-oops-123", "--json"], { dir, env: desktopEnv() });
    expect(secretAsId.code).toBe(2);
    expect(secretAsId.stdout).not.toContain("GOCSPX-oops-123");
  });
});

describe("after connecting: refresh and revocation", () => {
  async function connectCompany() {
    const browser = fakeBrowser();
    expect((await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID], { dir, env: desktopEnv(), openUrl: browser.open })).code).toBe(0);
  }

  it("validate refreshes the access token from the saved refresh token and sends", async () => {
    await connectCompany();
    const refreshesBefore = fake.grants.refresh_token;
    // A later run: no client secret in the environment, the saved one is used.
    const run = await runCli(["validate", "company", "--json"], { dir, env: fake.env() });
    expect(run.code).toBe(0);
    expect(fake.grants.refresh_token).toBeGreaterThan(refreshesBefore);
    expect(fake.sent).toHaveLength(2);
  });

  it("a revoked token (invalid_grant) is oauth, exit 7, with the likely reasons and the reconnect command", async () => {
    await connectCompany();
    fake.revokeAll();
    const json = await runCli(["validate", "company", "--json"], { dir, env: fake.env() });
    expect(json.code).toBe(7);
    const error = parseJson(json.stdout).error as Record<string, string>;
    expect(error).toMatchObject({ category: "oauth", code: "invalid_grant", next: "mailcfg connect-gmail company" });
    expect(error.hint).toMatch(/7 days/);
    expect(error.hint).toMatch(/six months/);
    expect(error.evidence).toMatch(/Token has been expired or revoked/);

    const human = await runCli(["validate", "company"], { dir, env: fake.env() });
    expect(human.code).toBe(7);
    expect(human.stderr).toMatch(/\[oauth\]/);
    expect(human.stderr).toMatch(/mailcfg connect-gmail company/);

    const status = await runCli(["status", "--json"], { dir, env: fake.env() });
    expect(status.code).toBe(7);
    const profile = parseJson(status.stdout).profiles[0];
    expect(profile?.validation).toMatchObject({ ok: false, category: "oauth" });
    expect(profile?.fix).toBe("mailcfg connect-gmail company");
  });

  it("send --doc and queue run go through the Gmail API; a revoked token stops the queue entry with the reconnect command", async () => {
    await connectCompany();
    const vars = ["--var", "number=INV-9", "--var", "customer=Acme", "--var", "amount=100 EUR", "--var", "due_date=2026-12-01"];
    const sent = await runCli(["send", "--doc", "overdue-invoice-reminder", "--to", "ap@customer.test", ...vars, "--json"], { dir, env: fake.env() });
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    const message = fake.sent.at(-1)!;
    expect(message.headers["to"]).toBe("ap@customer.test");
    expect(message.headers["subject"]).toContain("INV-9");
    expect(message.headers["message-id"]).toBe((JSON.parse(sent.stdout) as { messageId: string }).messageId);

    expect((await runCli(["queue", "add", "--doc", "overdue-invoice-reminder", "--to", "ap@customer.test", ...vars], { dir, env: fake.env() })).code).toBe(0);
    fake.revokeAll();
    await runCli(["queue", "run", "--json"], { dir, env: fake.env() });
    const list = await runCli(["queue", "list", "--json"], { dir, env: fake.env() });
    expect(list.code).toBe(0);
    const entry = (JSON.parse(list.stdout) as { entries: Array<Record<string, unknown>> }).entries[0]!;
    expect(entry.state).toBe("failed");
    expect(JSON.stringify(entry)).toMatch(/oauth/);
    expect(JSON.stringify(entry)).toMatch(/mailcfg connect-gmail company/);
  });

  it("queue run retries a message Gmail refused for a sending limit (429), and sends it later", async () => {
    await connectCompany();
    await setSetting(dir, "queue-retry-seconds", 0.05);
    const vars = ["--var", "number=INV-10", "--var", "customer=Acme", "--var", "amount=100 EUR", "--var", "due_date=2026-12-01"];
    const added = await runCli(["queue", "add", "--doc", "overdue-invoice-reminder", "--to", "ap@customer.test", ...vars, "--json"], { dir, env: fake.env() });
    expect(added.code, added.stderr).toBe(0);
    const sentBefore = fake.sent.length;
    fake.failNextSend(429, {
      error: { code: 429, message: "User-rate limit exceeded.", errors: [{ message: "User-rate limit exceeded.", domain: "usageLimits", reason: "userRateLimitExceeded" }], status: "RESOURCE_EXHAUSTED" },
    });
    const first = await runCli(["queue", "run", "--json"], { dir, env: fake.env() });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ sent: 0, retrying: 1 });
    const list = await runCli(["queue", "list", "--json"], { dir, env: fake.env() });
    const entry = (JSON.parse(list.stdout) as { entries: Array<Record<string, unknown>> }).entries[0]!;
    expect(entry).toMatchObject({ state: "queued", attempts: 1, lastError: { category: "rejected", code: "rate_limited", transient: true } });

    const again = await runCli(["queue", "run", "--wait", "--json"], { dir, env: fake.env() });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 1 });
    expect(fake.sent.length - sentBefore).toBe(1);
    expect(fake.sent.at(-1)!.headers["subject"]).toContain("INV-10");
  });

  it("no token, code, verifier or client secret reaches config.json or any output, human or JSON", async () => {
    const outputs: string[] = [];
    const collect = async (run: CliRun) => {
      await run;
      outputs.push(run.stdout, run.stderr);
    };
    const browser = fakeBrowser();
    await collect(runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID], { dir, env: desktopEnv(), openUrl: browser.open }));
    await collect(runCli(["connect-gmail", "user", "jdoe", "--client-id", FAKE_CLIENT_ID, "--json"], { dir, env: desktopEnv(), openUrl: browser.open }));
    await collect(runCli(["validate", "--all"], { dir, env: fake.env() }));
    await collect(runCli(["validate", "--all", "--json"], { dir, env: fake.env() }));
    await collect(runCli(["status"], { dir, env: fake.env() }));
    await collect(runCli(["status", "--json"], { dir, env: fake.env() }));
    fake.revokeAll();
    await collect(runCli(["validate", "company"], { dir, env: fake.env() }));
    await collect(runCli(["validate", "user", "jdoe", "--json"], { dir, env: fake.env() }));
    fake.consent = "deny";
    await collect(runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID], { dir, env: desktopEnv(), openUrl: browser.open }));
    await collect(runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json"], { dir, env: desktopEnv({ MAILCFG_GOOGLE_CLIENT_SECRET: "GOCSPX-bad-789" }), openUrl: browser.open }));

    const secrets = [...fake.secretsSeen(), "GOCSPX-bad-789"];
    // Codes, verifiers, access and refresh tokens, the client secret: all of them were used.
    expect(secrets.filter((s) => s.includes("fake-code-")).length).toBeGreaterThanOrEqual(2);
    expect(secrets.filter((s) => s.includes("fake-refresh-")).length).toBeGreaterThanOrEqual(2);
    expect(secrets.filter((s) => s.includes("fake-access-")).length).toBeGreaterThanOrEqual(2);
    const everything = [...outputs, cfg.configText(), ...browser.pages.map((p) => p.body)].join("\n");
    expect(everything).toMatch(/sales@acme-fake\.example/);
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});
