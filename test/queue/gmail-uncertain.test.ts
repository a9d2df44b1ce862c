import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempConfig, type TempConfig } from "../helpers/cli.js";
import { ConfigStore } from "../../src/config/store.js";
import { FileSecretStore } from "../../src/config/secrets.js";
import { secretKey, type Profile } from "../../src/config/types.js";
import { encodeGoogleCredential } from "../../src/oauth/google.js";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, GMAIL_READONLY, GMAIL_SEND, startFakeGoogle, type FakeGoogle } from "../helpers/fake-google.js";

/** A Company Email on the (fake) Gmail API, with a refresh token of the given scope. */
async function saveGmail(dir: string, fake: FakeGoogle, scope: string): Promise<void> {
  const config = await ConfigStore.open(dir);
  const now = new Date().toISOString();
  const profile: Profile = { type: "gmail", email: fake.account, clientId: FAKE_CLIENT_ID, createdAt: now, updatedAt: now };
  config.saveProfile({ kind: "company" }, profile);
  const refreshToken = fake.issueRefreshToken(scope);
  await new FileSecretStore(dir).set(secretKey({ kind: "company" }, "refresh-token"), encodeGoogleCredential({ refreshToken, clientSecret: FAKE_CLIENT_SECRET }));
}

describe("queue with the Gmail API: an uncertain entry is looked for before any resend", () => {
  let tmp: TempConfig;
  let cfg: string;
  let fake: FakeGoogle;
  beforeEach(async () => {
    tmp = tempConfig();
    cfg = join(tmp.dir, "config");
    mkdirSync(cfg);
    fake = await startFakeGoogle({ account: "billing@acme-fake.example" });
  });
  afterEach(async () => {
    await fake.close();
    tmp.remove();
  });
  const cli = (args: string[]) => runCli(args, { dir: cfg, env: fake.env() });
  const state = async (id: number) => (await cli(["queue", "show", String(id), "--json"])).json<{ entry: { state: string; response: string | null; lastError: { message: string } | null } }>().entry;

  async function uncertainEntry(): Promise<number> {
    const added = await cli(["queue", "add", "--doc", "user-notification", "--to", "a@customer.test", "--var", "title=Hi", "--var", "message=hello", "--json"]);
    expect(added.code, added.stdout + added.stderr).toBe(0);
    const id = added.json<{ id: number }>().id;
    fake.dropAfterNextSend();
    const r = await cli(["queue", "run", "--json"]);
    expect(r.json<{ uncertain: number }>().uncertain, r.stdout).toBe(1);
    expect((await state(id)).state).toBe("uncertain");
    expect(fake.sent).toHaveLength(1);
    return id;
  }

  it("found in the sender's mailbox: recorded as sent, not sent again", async () => {
    await saveGmail(cfg, fake, `${GMAIL_SEND} ${GMAIL_READONLY} openid email`);
    const id = await uncertainEntry();
    expect((await cli(["queue", "retry", String(id), "--yes"])).code).toBe(0);
    const r = await cli(["queue", "run", "--json"]);
    expect(r.code, r.stdout).toBe(0);
    expect(fake.sent).toHaveLength(1);
    expect(fake.searches).toHaveLength(1);
    expect(await state(id)).toMatchObject({ state: "sent", response: expect.stringMatching(/already holds/) });
  });

  it("without a read permission: stays uncertain, saying so; nothing sent again", async () => {
    await saveGmail(cfg, fake, `${GMAIL_SEND} openid email`);
    const id = await uncertainEntry();
    expect((await cli(["queue", "retry", String(id), "--yes"])).code).toBe(0);
    await cli(["queue", "run", "--json"]);
    expect(fake.sent).toHaveLength(1);
    const e = await state(id);
    expect(e.state).toBe("uncertain");
    expect(e.lastError?.message).toMatch(/cannot be checked.*gmail\.readonly/);
  });

  it("with queue-resend-uncertain yes: the retry looks in the mailbox first and does not send a second copy", async () => {
    await saveGmail(cfg, fake, `${GMAIL_SEND} ${GMAIL_READONLY} openid email`);
    expect((await cli(["config", "set", "queue-resend-uncertain", "yes"])).code).toBe(0);
    expect((await cli(["config", "set", "queue-retry-seconds", "0.1"])).code).toBe(0);
    const added = await cli(["queue", "add", "--doc", "user-notification", "--to", "a@customer.test", "--var", "title=Hi", "--var", "message=hello", "--json"]);
    const id = added.json<{ id: number }>().id;
    fake.dropAfterNextSend();
    const r = await cli(["queue", "run", "--wait", "--json"]);
    expect(r.json(), r.stdout).toMatchObject({ sent: 1, retrying: 1, uncertain: 0 });
    expect(fake.sent).toHaveLength(1);
    expect(fake.searches).toHaveLength(1);
    expect((await state(id)).state).toBe("sent");
  });
});
