import { afterEach, describe, expect, it } from "vitest";
import { startFakeEws, type FakeEws } from "../helpers/fake-ews.js";
import { runCli, TempConfig, tempConfig } from "../helpers/cli.js";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, fakeBrowser, startFakeGoogle, type FakeGoogle } from "../helpers/fake-google.js";

// diagnose runs the provider's own read-only check as its last stage: the EWS
// GetFolder call for Exchange, the token refresh and account read for Gmail.

interface Stage {
  stage: string;
  status: string;
}
interface Report {
  stages: Stage[];
  failure: { stage: string; category: string; check: string } | null;
}
const statusOf = (r: Report, stage: string) => r.stages.find((s) => s.stage === stage)?.status;

describe("diagnose an Exchange profile end to end", () => {
  let server: FakeEws | undefined;
  let cfg: TempConfig | undefined;
  afterEach(async () => {
    await server?.close();
    cfg?.remove();
  });

  async function setUp(password: string) {
    server = await startFakeEws({ users: { "acme.com\\jdoe": { password: "fake-password-123", mailbox: "jdoe@acme.com" } } });
    cfg = new TempConfig();
    const r = await cfg.run(
      ["setup", "user", "jdoe", "--type", "exchange", "--ews-url", server.url, "--domain", "acme.com", "--username", "jdoe", "--email", "jdoe@acme.com", "--no-validate"],
      { env: { MAILCFG_PASSWORD: password } },
    );
    expect(r.code, r.stderr).toBe(0);
    return cfg;
  }

  it("passes every stage, the last one being the EWS read-only check; nothing is sent", async () => {
    const c = await setUp("fake-password-123");
    const r = await c.run(["diagnose", "user", "jdoe", "--json"]);
    expect(r.code, r.stdout).toBe(0);
    const report = r.json() as unknown as Report;
    expect(statusOf(report, "ews")).toBe("passed");
    expect(server?.received.map((q) => q.operation)).toContain("GetFolder");
    expect(server?.received.map((q) => q.operation)).not.toContain("CreateItem");
  });

  it("a wrong saved password fails as auth (exit 3), and the password is not shown", async () => {
    const c = await setUp("fake-wrong-password");
    const r = await c.run(["diagnose", "user", "jdoe", "--json"]);
    expect(r.code).toBe(3);
    expect((r.json() as unknown as Report).failure?.category).toBe("auth");
    expect(r.stdout + r.stderr).not.toContain("fake-wrong-password");
  });
});

describe("diagnose a Gmail profile end to end", () => {
  let fake: FakeGoogle | undefined;
  let temp: TempConfig | undefined;
  afterEach(async () => {
    await fake?.close();
    temp?.remove();
  });

  it("the api stage refreshes the token; a revoked connection is oauth (exit 7)", async () => {
    fake = await startFakeGoogle({ account: "sales@acme-fake.example" });
    temp = tempConfig();
    const dir = temp.dir;
    const env = { ...fake.env(), DISPLAY: ":0", MAILCFG_GOOGLE_CLIENT_SECRET: FAKE_CLIENT_SECRET };
    const browser = fakeBrowser();
    expect((await runCli(["connect-gmail", "company", "--client-id", FAKE_CLIENT_ID], { dir, env, openUrl: browser.open })).code).toBe(0);

    const refreshes = fake.grants.refresh_token;
    const ok = await runCli(["diagnose", "company", "--json"], { dir, env: fake.env() });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(statusOf(JSON.parse(ok.stdout) as Report, "api")).toBe("passed");
    expect(fake.grants.refresh_token).toBeGreaterThan(refreshes);

    fake.revokeAll();
    const bad = await runCli(["diagnose", "company", "--json"], { dir, env: fake.env() });
    expect(bad.code).toBe(7);
    const report = JSON.parse(bad.stdout) as Report;
    expect(report.failure).toMatchObject({ stage: "api", category: "oauth" });
    for (const secret of fake.secretsSeen()) expect(bad.stdout + bad.stderr).not.toContain(secret);
  });
});
