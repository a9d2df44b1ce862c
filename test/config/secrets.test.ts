import { afterEach, describe, expect, it } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { FileSecretStore, openSecretStore, type SecretStore } from "../../src/config/secrets.js";
import { removeTempDirs, tempDir, testContext } from "../helpers/cli.js";

afterEach(removeTempDirs);

const noKeyring = async (): Promise<SecretStore> => {
  throw new Error("Couldn't access platform storage: AccessDenied\n\nCaused by: ...");
};

/** An in-memory stand-in for the OS keyring. */
function memoryKeyring(): { open: () => Promise<SecretStore>; values: Map<string, string> } {
  const values = new Map<string, string>();
  const store: SecretStore = {
    kind: "keyring",
    location: "the test keyring",
    get: async (k) => values.get(k),
    set: async (k, v) => void values.set(k, v),
    delete: async (k) => void values.delete(k),
  };
  return { open: async () => store, values };
}

function contextFor(dir: string, env: Record<string, string>, openKeyring: () => Promise<SecretStore>) {
  // No secret-store choice from the environment unless the test gives one ("" counts as unset).
  return testContext({ dir, env: { MAILCFG_SECRET_STORE: "", ...env }, openKeyring });
}

describe("choosing the secret store", () => {
  it("falls back to the 0600 file when the keyring does not work, says so once, and remembers it", async () => {
    const dir = tempDir();
    const first = contextFor(dir, {}, noKeyring);
    const store = await first.ctx.secrets();
    expect(store.kind).toBe("file");
    await store.set("company/password", "fake-password-123");
    expect(first.stderr()).toMatch(/OS keyring is not available \(Couldn't access platform storage: AccessDenied\)/);
    expect(first.stderr()).toMatch(/secrets\.json/);
    expect(statSync(join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).settings["secret-store"]).toBe("file");

    // The next run uses the remembered choice quietly, even if a keyring appears.
    const second = contextFor(dir, {}, memoryKeyring().open);
    const again = await second.ctx.secrets();
    expect(again.kind).toBe("file");
    expect(await again.get("company/password")).toBe("fake-password-123");
    expect(second.stderr()).toBe("");
  });

  it("uses the keyring when it works, and says that once too", async () => {
    const dir = tempDir();
    const keyring = memoryKeyring();
    const run = contextFor(dir, {}, keyring.open);
    const store = await run.ctx.secrets();
    await store.set("user/jdoe/password", "fake-password-456");
    expect(store.kind).toBe("keyring");
    expect(keyring.values.get("user/jdoe/password")).toBe("fake-password-456");
    expect(run.stderr()).toMatch(/OS keyring/);
    expect(() => statSync(join(dir, "secrets.json"))).toThrow();
  });

  it("obeys MAILCFG_SECRET_STORE=file without trying the keyring or saying anything", async () => {
    const dir = tempDir();
    let tried = false;
    const run = contextFor(dir, { MAILCFG_SECRET_STORE: "file" }, async () => {
      tried = true;
      return memoryKeyring().open();
    });
    expect((await run.ctx.secrets()).kind).toBe("file");
    expect(tried).toBe(false);
    expect(run.stderr()).toBe("");
  });

  it("an explicit keyring choice that cannot work is a clear config error, not a silent plaintext file", async () => {
    await expect(openSecretStore(tempDir(), "keyring", noKeyring)).rejects.toMatchObject({ category: "config" });
  });

  it("the file store replaces the file atomically and keeps it 0600", async () => {
    const dir = tempDir();
    const s = new FileSecretStore(dir);
    await s.set("a", "fake-1");
    await s.set("b", "fake-2");
    await s.delete("a");
    expect(JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"))).toEqual({ b: "fake-2" });
    expect(statSync(join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
  });
});
