import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.js";
import { FileSecretStore } from "../../src/config/secrets.js";
import { encodeGoogleCredential } from "../../src/oauth/google.js";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeGoogle } from "../helpers/fake-google.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, PASSWORD2, USER, USER2, useRig, webmailFlags } from "../helpers/smtp-rig.js";

const rig = useRig();

const T1 = new Date("2026-11-20T10:00:00.000Z");
const T2 = new Date("2026-11-21T09:30:00.000Z");

/** A folder with the Company Email (validated at T1) and jdoe's User Email (validated at T1). */
async function twoProfiles() {
  const dir = tempDir();
  const company = await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", rig.caFile)], {
    dir,
    env: { MAILCFG_PASSWORD: PASSWORD },
    now: () => T1,
  });
  expect(company.code).toBe(0);
  // jdoe's server will go away, to make the profile fail later.
  const doomed = await rig.variant({});
  const user = await runCli(["setup", "user", "jdoe", ...webmailFlags(doomed, "starttls", rig.caFile, USER2)], {
    dir,
    env: { MAILCFG_PASSWORD: PASSWORD2 },
    now: () => T1,
  });
  expect(user.code).toBe(0);
  return { dir, doomed };
}

describe("status", () => {
  it("with no profiles says how to start, exit 0", async () => {
    const r = await runCli(["status"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No profiles are set up\. Start with: mailcfg setup company/);
  });

  it("lists each profile with type, address, server and the last validation", async () => {
    const { dir, doomed } = await twoProfiles();
    const r = await runCli(["status"], { dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✓ Company Email: webmail ${USER} via 127.0.0.1:${rig.starttls.port}`);
    expect(r.stdout).toContain(`✓ User Email of jdoe: webmail ${USER2} via 127.0.0.1:${doomed.port}`);
    expect(r.stdout).toContain(`last validated ${T1.toISOString()} (test mail to ${USER}): passed`);
    expect(r.stdout).not.toMatch(/fix:/);

    const j = await runCli(["status", "--json"], { dir });
    expect(j.code).toBe(0);
    expect(j.json()).toEqual({
      ok: true,
      configFile: expect.stringContaining(dir),
      warnings: [],
      profiles: [
        {
          owner: { kind: "company" },
          type: "webmail",
          email: USER,
          server: `127.0.0.1:${rig.starttls.port}`,
          state: "ok",
          validation: { at: T1.toISOString(), ok: true, method: "test-mail", to: USER },
          name: "Sales",
          secret: { kind: "password", store: "file", location: expect.stringContaining(`${dir}/secrets.json`), saved: true },
          notes: [],
        },
        {
          owner: { kind: "user", id: "jdoe" },
          type: "webmail",
          email: USER2,
          server: `127.0.0.1:${doomed.port}`,
          state: "ok",
          validation: { at: T1.toISOString(), ok: true, method: "test-mail", to: USER2 },
          name: "jdoe",
          secret: { kind: "password", store: "file", location: expect.stringContaining(`${dir}/secrets.json`), saved: true },
          notes: [],
        },
      ],
    });
  });

  it("exits with the failing category's code and prints the fix command when a validation failed", async () => {
    const { dir, doomed } = await twoProfiles();
    await doomed.close();
    const v = await runCli(["validate", "user", "jdoe", "--ca", rig.caFile], { dir, now: () => T2 });
    expect(v.code).toBe(4);

    const r = await runCli(["status"], { dir });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("✗ User Email of jdoe");
    expect(r.stdout).toMatch(new RegExp(`last validated ${T2.toISOString()} \\(test mail\\): FAILED \\[server\\]`));
    expect(r.stdout).toContain("fix: mailcfg diagnose user jdoe");

    const j = await runCli(["status", "--json"], { dir });
    expect(j.code).toBe(4);
    const doc = j.json() as { ok: boolean; profiles: Array<Record<string, unknown>> };
    expect(doc.ok).toBe(false);
    expect(doc.profiles[0]).toMatchObject({ state: "ok" });
    expect(doc.profiles[1]).toMatchObject({
      state: "failing",
      fix: "mailcfg diagnose user jdoe",
      validation: { at: T2.toISOString(), ok: false, category: "server" },
    });
  });

  it("a profile saved without validation is 'never validated' and points at validate", async () => {
    const r0 = await runCli(["setup", "user", "asmith", ...webmailFlags(rig.starttls, "starttls", rig.caFile), "--no-validate"], {
      env: { MAILCFG_PASSWORD: PASSWORD },
    });
    expect(r0.code).toBe(0);
    const r = await runCli(["status"], { dir: r0.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No Company Email/);
    expect(r.stdout).toMatch(/never validated/);
    expect(r.stdout).toContain("fix: mailcfg validate user asmith");
    // --json carries the same warning.
    const j = await runCli(["status", "--json"], { dir: r0.dir });
    expect(j.json().warnings).toEqual([expect.stringMatching(/^No Company Email: .*Run: mailcfg setup company$/)]);
  });

  it("says where each secret is stored, and when one is missing", async () => {
    const { dir } = await twoProfiles();
    const r = await runCli(["status"], { dir });
    expect(r.stdout).toContain(`password stored in the file ${dir}/secrets.json (file readable only by you, mode 0600)`);
    const secrets = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as Record<string, string>;
    delete secrets["user/jdoe/password"];
    writeFileSync(join(dir, "secrets.json"), JSON.stringify(secrets));
    const after = await runCli(["status", "--json"], { dir });
    const jdoe = (after.json().profiles as Array<Record<string, unknown>>)[1]!;
    expect(jdoe.secret).toMatchObject({ kind: "password", store: "file", saved: false });
    expect(jdoe.notes).toContainEqual(expect.stringMatching(/no saved password was found/));
    expect(jdoe.fix).toBe("mailcfg setup user jdoe");
  });

  it("shows a Gmail profile's OAuth account and when its token was last refreshed (validate refreshes it)", async () => {
    const google = await startFakeGoogle();
    try {
      const dir = tempDir();
      const config = await ConfigStore.open(dir);
      config.saveProfile({ kind: "company" }, { type: "gmail", email: google.account, clientId: FAKE_CLIENT_ID, createdAt: T1.toISOString(), updatedAt: T1.toISOString(), connectedAt: T1.toISOString() });
      await new FileSecretStore(dir).set("company/refresh-token", encodeGoogleCredential({ refreshToken: google.issueRefreshToken(), clientSecret: FAKE_CLIENT_SECRET }));
      const before = await runCli(["status"], { dir });
      expect(before.stdout).toContain(`OAuth account ${google.account} (Google, client ${FAKE_CLIENT_ID}); token last refreshed ${T1.toISOString()}`);

      const v = await runCli(["validate", "company", "--no-send"], { dir, env: google.env(), now: () => T2 });
      expect(v.code, v.stderr).toBe(0);
      const j = await runCli(["status", "--json"], { dir });
      const p = (j.json().profiles as Array<Record<string, unknown>>)[0]!;
      expect(p.oauth).toEqual({ provider: "google", account: google.account, clientId: FAKE_CLIENT_ID, tokenRefreshedAt: T2.toISOString() });
      expect(p.secret).toMatchObject({ kind: "refresh-token", store: "file", saved: true });
    } finally {
      await google.close();
    }
  });
});
