import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.js";
import { FileSecretStore, type SecretStore } from "../../src/config/secrets.js";
import { secretKey, type Owner } from "../../src/config/types.js";
import { encodeGoogleCredential } from "../../src/oauth/google.js";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeGoogle, type FakeGoogle } from "../helpers/fake-google.js";
import { saveWebmail, setSetting } from "../helpers/profiles.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { scriptedPrompter } from "../helpers/scripted-prompter.js";

let google: FakeGoogle;
beforeAll(async () => {
  google = await startFakeGoogle();
});
afterAll(async () => {
  await google.close();
});

const jdoe: Owner = { kind: "user", id: "jdoe" };
const company: Owner = { kind: "company" };

async function saveGmail(dir: string, owner: Owner, refreshToken: string): Promise<void> {
  const config = await ConfigStore.open(dir);
  const now = new Date().toISOString();
  config.saveProfile(owner, { type: "gmail", email: "sales@acme-fake.example", clientId: FAKE_CLIENT_ID, createdAt: now, updatedAt: now });
  await new FileSecretStore(dir).set(secretKey(owner, "refresh-token"), encodeGoogleCredential({ refreshToken, clientSecret: FAKE_CLIENT_SECRET }));
}

const secretsOf = (dir: string) => JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as Record<string, string>;
const configOf = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { company?: unknown; users: Record<string, unknown>; settings: Record<string, unknown> };

async function queueFor(dir: string, user: string): Promise<number> {
  const r = await runCli(["queue", "add", "--doc", "sales-order", "--user", user, "--to", "buyer@customer.test", "--var", "number=SO-1", "--var", "customer=Acme", "--json"], { dir });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r.json().id as number;
}

describe("mailcfg remove", () => {
  it("revokes a Gmail refresh token at Google, deletes the token and the profile", async () => {
    const dir = tempDir();
    const token = google.issueRefreshToken();
    await saveGmail(dir, company, token);
    const r = await runCli(["remove", "company", "--yes"], { dir, env: google.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(google.revocations).toContainEqual({ token, revoked: true });
    expect(google.isValid(token)).toBe(false);
    expect(r.stdout).toMatch(/Revoked: Google revoked the refresh token/);
    expect(r.stdout).not.toContain(token);
    expect(secretsOf(dir)[secretKey(company, "refresh-token")]).toBeUndefined();
    expect(configOf(dir).company).toBeUndefined();
  });

  it("says what was not revoked when Google no longer knows the token, and still removes", async () => {
    const dir = tempDir();
    const token = google.issueRefreshToken();
    google.revokeAll();
    await saveGmail(dir, jdoe, token);
    const r = await runCli(["remove", "user", "jdoe", "--yes", "--json"], { dir, env: google.env() });
    expect(r.code).toBe(0);
    const j = r.json() as { revocation: { revoked: boolean; detail: string; todo: string } };
    expect(j.revocation.revoked).toBe(false);
    expect(j.revocation.detail).toMatch(/no longer knew the token/);
    expect(j.revocation.todo).toContain("https://myaccount.google.com/permissions");
    expect(configOf(dir).users.jdoe).toBeUndefined();
  });

  it("MAILCFG_GOOGLE_REVOKE_URL follows the https-or-loopback rule: plain http elsewhere is exit 2, nothing removed", async () => {
    const dir = tempDir();
    await saveGmail(dir, company, google.issueRefreshToken());
    const r = await runCli(["remove", "company", "--yes"], { dir, env: { ...google.env(), MAILCFG_GOOGLE_REVOKE_URL: "http://revoke.example.com/revoke" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("MAILCFG_GOOGLE_REVOKE_URL");
    expect(configOf(dir).company).toBeDefined();
    expect(secretsOf(dir)[secretKey(company, "refresh-token")]).toBeDefined();
  });

  it("Microsoft 365 OAuth: says there is no per-token revocation and where consent is withdrawn", async () => {
    const dir = tempDir();
    const config = await ConfigStore.open(dir);
    const now = new Date().toISOString();
    config.saveProfile(jdoe, {
      type: "webmail", email: "jdoe@contoso-fake.example", host: "smtp.office365.com", port: 587, security: "starttls",
      auth: "oauth2-microsoft", clientId: "00000000-0000-0000-0000-000000000001", tenant: "organizations", createdAt: now, updatedAt: now,
    });
    await new FileSecretStore(dir).set(secretKey(jdoe, "refresh-token"), "fake-ms-refresh-token");
    const r = await runCli(["remove", "user", "jdoe", "--yes"], { dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Not revoked: Microsoft has no revocation of a single refresh token/);
    expect(r.stdout).toContain("https://myapps.microsoft.com");
    expect(r.stdout).toContain("Enterprise applications");
    expect(secretsOf(dir)[secretKey(jdoe, "refresh-token")]).toBeUndefined();
  });

  it("without a terminal and without --yes: exit 2 naming --yes, nothing removed", async () => {
    const dir = tempDir();
    await saveWebmail(dir, jdoe, { email: "jdoe@acme.test", host: "127.0.0.1", port: 587, security: "starttls" });
    const before = readFileSync(join(dir, "config.json"), "utf8");
    const r = await runCli(["remove", "user", "jdoe"], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(before);
  });

  it("on a terminal asks first; No removes nothing (exit 130), Yes removes the password and the default-user setting", async () => {
    const dir = tempDir();
    await saveWebmail(dir, jdoe, { email: "jdoe@acme.test", host: "127.0.0.1", port: 587, security: "starttls" });
    await setSetting(dir, "default-user", "jdoe");
    const no = scriptedPrompter([[/^Remove the User Email of jdoe \(jdoe@acme\.test via 127\.0\.0\.1:587/, false]]);
    const r1 = await runCli(["remove", "user", "jdoe"], { dir, terminal: true, prompt: no });
    expect(r1.code).toBe(130);
    expect(configOf(dir).users.jdoe).toBeDefined();
    expect(no.asked[0]?.default).toBe(false);

    const yes = scriptedPrompter([["Remove the User Email of jdoe", true]]);
    const r2 = await runCli(["remove", "user", "jdoe"], { dir, terminal: true, prompt: yes });
    expect(r2.code, r2.stderr).toBe(0);
    expect(configOf(dir).users.jdoe).toBeUndefined();
    expect(configOf(dir).settings["default-user"]).toBeUndefined();
    expect(secretsOf(dir)[secretKey(jdoe, "password")]).toBeUndefined();
    expect(r2.stdout).toMatch(/Deleted its password from .*secrets\.json/);
    expect(r2.stdout).toMatch(/still works at that mail server/);
  });

  it("refuses while queued entries have this sender, naming them; --force removes anyway", async () => {
    const dir = tempDir();
    await saveWebmail(dir, jdoe, { email: "jdoe@acme.test", host: "127.0.0.1", port: 587, security: "starttls" });
    const id = await queueFor(dir, "jdoe");
    const r = await runCli(["remove", "user", "jdoe", "--yes"], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`#${id} (queued, sales-order)`);
    expect(r.stderr).toContain("--force");
    expect(configOf(dir).users.jdoe).toBeDefined();

    const forced = await runCli(["remove", "user", "jdoe", "--yes", "--force", "--json"], { dir });
    expect(forced.code).toBe(0);
    expect((forced.json().entriesWithoutSender as Array<{ id: number }>).map((e) => e.id)).toEqual([id]);
  });

  it("deletes the secret from the keyring that holds it, and an older copy in secrets.json", async () => {
    const dir = tempDir();
    await saveWebmail(dir, jdoe, { email: "jdoe@acme.test", host: "127.0.0.1", port: 587, security: "starttls" }, "fake-old-file-password");
    const keyring = new Map<string, string>([[secretKey(jdoe, "password"), "fake-keyring-password"]]);
    const memoryKeyring: SecretStore = {
      kind: "keyring",
      location: "the OS keyring (service \"mailcfg\")",
      get: async (k) => keyring.get(k),
      set: async (k, v) => void keyring.set(k, v),
      delete: async (k) => void keyring.delete(k),
    };
    const r = await runCli(["remove", "user", "jdoe", "--yes"], { dir, env: { MAILCFG_SECRET_STORE: "keyring" }, openKeyring: async () => memoryKeyring });
    const text = r.stdout;
    expect(r.code).toBe(0);
    expect(keyring.size).toBe(0);
    expect(secretsOf(dir)[secretKey(jdoe, "password")]).toBeUndefined();
    expect(text).toMatch(/Deleted its password from the OS keyring/);
    expect(text).toMatch(/older copy from the secrets file/);
  });

  it("a profile that is not there: exit 2", async () => {
    const r = await runCli(["remove", "company", "--yes"], { dir: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no Company Email set up/);
  });
});

describe("mailcfg rename user", () => {
  it("moves the profile, its password, the default-user setting and queued entries", async () => {
    const dir = tempDir();
    await saveWebmail(dir, jdoe, { email: "jdoe@acme.test", host: "127.0.0.1", port: 587, security: "starttls" }, "fake-password-jdoe");
    await setSetting(dir, "default-user", "jdoe");
    const id = await queueFor(dir, "jdoe");

    const r = await runCli(["rename", "user", "jdoe", "john.doe"], { dir });
    expect(r.code, r.stderr).toBe(0);
    const cfg = configOf(dir);
    expect(Object.keys(cfg.users)).toEqual(["john.doe"]);
    expect(cfg.settings["default-user"]).toBe("john.doe");
    const secrets = secretsOf(dir);
    expect(secrets["user/john.doe/password"]).toBe("fake-password-jdoe");
    expect(secrets["user/jdoe/password"]).toBeUndefined();
    expect(r.stdout).toMatch(/1 queue entry follows the new id/);

    const show = await runCli(["queue", "show", String(id), "--json"], { dir });
    const entry = show.json().entry as { owner: Owner; user: string };
    expect(entry.owner).toEqual({ kind: "user", id: "john.doe" });
    expect(entry.user).toBe("john.doe");
    // The renamed user still sends: routing finds the User Email under the new id.
    const route = await runCli(["route", "--doc", "sales-order", "--user", "john.doe", "--json"], { dir });
    expect(JSON.stringify(route.json())).toContain("jdoe@acme.test");
  });

  it("refuses a new id that is taken, and the company; nothing changes", async () => {
    const dir = tempDir();
    await saveWebmail(dir, jdoe, { email: "jdoe@acme.test", host: "127.0.0.1", port: 587, security: "starttls" });
    await saveWebmail(dir, { kind: "user", id: "amy" }, { email: "amy@acme.test", host: "127.0.0.1", port: 587, security: "starttls" });
    const before = readFileSync(join(dir, "config.json"), "utf8");
    expect((await runCli(["rename", "user", "jdoe", "amy"], { dir })).code).toBe(2);
    expect((await runCli(["rename", "company", "x", "y"], { dir })).code).toBe(2);
    expect((await runCli(["rename", "user", "nobody", "x"], { dir })).code).toBe(2);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(before);
    expect(existsSync(join(dir, "queue.db"))).toBe(false);
  });
});
