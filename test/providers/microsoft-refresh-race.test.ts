import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { FAKE_MS_CLIENT_ID, msBrowser, startFakeMicrosoft, type FakeMicrosoft } from "../helpers/fake-microsoft.js";
import { runCli, tempConfig, type TempConfig } from "../helpers/cli.js";
import { runNode } from "../helpers/child.js";
import { buildCli, type BuiltCli } from "../helpers/build-cli.js";

/**
 * Parallel runs that each refresh the same Microsoft connection, against an identity
 * platform with strict rotation (a used refresh token is refused): every run succeeds,
 * one after the other, and the token saved last is the one still live.
 */
let cli: BuiltCli;
let fake: FakeMicrosoft;
let dir: string;
let cfg: TempConfig;
let caFile: string;

beforeAll(async () => {
  const ca = new ThrowawayCa("mailcfg refresh race CA");
  fake = await startFakeMicrosoft({ account: "sales@contoso-fake.example" });
  await fake.startSmtp(ca);
  cfg = tempConfig();
  dir = cfg.dir;
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.cert);
  cli = await buildCli();
}, 60_000);

afterAll(async () => {
  await fake?.close();
  cfg?.remove();
  cli?.remove();
});

describe("parallel refreshes of one rotating refresh token", () => {
  it("all succeed and the last rotated token is the one saved", async () => {
    fake.strictRotation = true;
    const connect = await runCli(["connect-microsoft", "company", "--client-id", FAKE_MS_CLIENT_ID, "--ca", caFile], {
      dir,
      env: { ...fake.env(), DISPLAY: ":0" },
      openUrl: msBrowser().open,
    });
    expect(connect.code, connect.stderr).toBe(0);
    const refreshesBefore = fake.grants.refresh_token;

    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        runNode([cli.entry, "validate", "company", "--no-send", "--ca", caFile, "--json"], { env: {
          MAILCFG_CONFIG_DIR: dir,
          MAILCFG_SECRET_STORE: "file",
          ...fake.env(),
        } }),
      ),
    );
    expect(runs.map((r) => r.code), runs.map((r) => r.stdout + r.stderr).join("\n")).toEqual([0, 0, 0, 0]);
    expect(fake.grants.refresh_token - refreshesBefore).toBe(4);
    const saved = cfg.secrets()["company/refresh-token"];
    expect(fake.liveRefreshTokens()).toEqual([saved]);
  }, 60_000);
});
