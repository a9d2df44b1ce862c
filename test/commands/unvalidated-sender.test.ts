import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigStore } from "../../src/config/store.js";
import { runCli, tempConfig } from "../helpers/cli.js";
import { saveWebmail } from "../helpers/profiles.js";

const server = { host: "127.0.0.1", port: 2525, security: "starttls" } as const;
const PASSED = { at: "2026-11-20T10:00:00.000Z", ok: true, method: "test-mail" as const, to: "sales@acme.test" };
const FAILED = { at: "2026-11-21T09:30:00.000Z", ok: false, method: "test-mail" as const, category: "auth", message: "535 5.7.8 rejected" };

describe("the product's rule: a sender never validated, or whose last validation failed, is flagged", () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempConfig()));
  afterEach(() => remove());

  /** The Company Email (validated or not, as given) and jdoe's User Email saved with --no-validate. */
  async function profiles(company: "passed" | "failed" | "never") {
    await saveWebmail(dir, { kind: "company" }, { ...server, email: "sales@acme.test" });
    await saveWebmail(dir, { kind: "user", id: "jdoe" }, { ...server, email: "jdoe@acme.test" });
    const config = await ConfigStore.open(dir);
    if (company !== "never") config.updateProfile({ kind: "company" }, { validation: company === "passed" ? PASSED : FAILED });
  }

  it("status shows it; status --strict exits 7 for a profile never validated, 0 once all passed", async () => {
    await profiles("passed");
    const plain = await runCli(["status"], { dir });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/User Email of jdoe[\s\S]*never validated/);
    const strict = await runCli(["status", "--strict", "--json"], { dir });
    expect(strict.code).toBe(7);
    expect(strict.json()).toMatchObject({ ok: false, profiles: [{ state: "ok" }, { state: "never-validated", fix: "mailcfg validate user jdoe" }] });

    const config = await ConfigStore.open(dir);
    config.updateProfile({ kind: "user", id: "jdoe" }, { validation: { ...PASSED, to: "jdoe@acme.test" } });
    expect((await runCli(["status", "--strict"], { dir })).code).toBe(0);
  });

  it("status --strict exits with the failure's category for a failing profile", async () => {
    await profiles("failed");
    expect((await runCli(["status", "--strict"], { dir })).code).toBe(3);
  });

  it("route warns on stderr and in --json when the chosen sender was never validated; not when it passed", async () => {
    await profiles("passed");
    const user = await runCli(["route", "--doc", "sales-order", "--user", "jdoe", "--json"], { dir });
    expect(user.code).toBe(0);
    expect(user.json()).toMatchObject({ email: "jdoe@acme.test", warnings: ["the User Email of jdoe (jdoe@acme.test) has never been validated; run: mailcfg validate user jdoe"] });
    expect(user.stderr).toContain("warning: the User Email of jdoe (jdoe@acme.test) has never been validated");

    const company = await runCli(["route", "--doc", "invoice", "--json"], { dir });
    expect(company.json()).toMatchObject({ email: "sales@acme.test", warnings: [] });
    expect(company.stderr).toBe("");
  });

  it("route names a failed last validation, once per sender with --all", async () => {
    await profiles("failed");
    const r = await runCli(["route", "--all", "--user", "jdoe", "--json"], { dir });
    const warnings = r.json<{ warnings: string[] }>().warnings;
    expect(warnings).toEqual([
      expect.stringMatching(/^the Company Email \(sales@acme\.test\) failed its last validation \[auth\] at 2026-11-21T09:30:00\.000Z; run: mailcfg diagnose company$/),
      expect.stringMatching(/User Email of jdoe .*never been validated/),
    ]);
  });

  it("send (even --dry-run) and queue add warn about the chosen sender", async () => {
    await profiles("never");
    const send = await runCli(["send", "--doc", "invoice", "--to", "ap@customer.test", "--var", "number=INV-1", "--var", "customer=Acme", "--dry-run", "--json"], { dir });
    expect(send.code).toBe(0);
    expect(send.json()).toMatchObject({ from: "sales@acme.test", warnings: [expect.stringMatching(/Company Email .* never been validated/)] });
    expect(send.stderr).toMatch(/warning: the Company Email/);

    const queued = await runCli(["queue", "add", "--doc", "sales-order", "--user", "jdoe", "--to", "buyer@customer.test", "--var", "number=SO-7", "--var", "customer=Acme", "--json"], { dir });
    expect(queued.code).toBe(0);
    expect(queued.json()).toMatchObject({ state: "queued", warnings: [expect.stringMatching(/User Email of jdoe .* never been validated/)] });
    expect(queued.stderr).toMatch(/warning: the User Email of jdoe/);
  });
});
