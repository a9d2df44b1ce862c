import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, tempConfig } from "../helpers/cli.js";
import { saveWebmail, setSetting } from "../helpers/profiles.js";

const server = { host: "127.0.0.1", port: 2525, security: "starttls" } as const;

describe("mailcfg route", () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempConfig()));
  afterEach(() => remove());

  async function companyAndJdoe() {
    await saveWebmail(dir, { kind: "company" }, { ...server, email: "sales@acme.test" });
    await saveWebmail(dir, { kind: "user", id: "jdoe" }, { ...server, email: "jdoe@acme.test" });
  }

  it("--json gives sender, user, email, rule and fallback for a user document", async () => {
    await companyAndJdoe();
    const r = await runCli(["route", "--doc", "sales-order", "--user", "jdoe", "--json"], { dir });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, sender: "user", user: "jdoe", email: "jdoe@acme.test", fallback: false, kind: "sales-order" });
    expect(typeof r.json().rule).toBe("string");
  });

  it("falls back to the Company Email for a user with no User Email, and says so", async () => {
    await companyAndJdoe();
    const r = await runCli(["route", "--doc", "invoice", "--user", "amy"], { dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("sales@acme.test");
    expect(r.stdout).toContain("amy has no User Email");
    const j = (await runCli(["route", "--doc", "invoice", "--user", "amy", "--json"], { dir })).json();
    expect(j).toMatchObject({ sender: "company", user: "amy", email: "sales@acme.test", fallback: true });
  });

  it("prints the address, the profile and the rule in plain sentences", async () => {
    await companyAndJdoe();
    const r = await runCli(["route", "--doc", "overdue-invoice-reminder", "--user", "jdoe"], { dir });
    expect(r.stdout).toContain("sent from sales@acme.test (Company Email)");
    expect(r.stdout).toContain("automatic emails are sent from the Company Email");
  });

  it("follows ship-confirmation-sender set with mailcfg config set", async () => {
    await companyAndJdoe();
    const before = (await runCli(["route", "--doc", "ship-confirmation", "--user", "jdoe", "--json"], { dir })).json();
    expect(before.sender).toBe("company");
    expect((await runCli(["config", "set", "ship-confirmation-sender", "user"], { dir })).code).toBe(0);
    const after = (await runCli(["route", "--doc", "ship-confirmation", "--user", "jdoe", "--json"], { dir })).json();
    expect(after).toMatchObject({ sender: "user", email: "jdoe@acme.test" });
  });

  it("takes the acting user from --user, then MAILCFG_USER, then the default-user setting", async () => {
    await companyAndJdoe();
    await saveWebmail(dir, { kind: "user", id: "amy" }, { ...server, email: "amy@acme.test" });
    await setSetting(dir, "default-user", "jdoe");
    const email = async (args: string[], env: Record<string, string> = {}) =>
      (await runCli(["route", "--doc", "quote", "--json", ...args], { dir, env })).json().email;
    expect(await email([])).toBe("jdoe@acme.test");
    expect(await email([], { MAILCFG_USER: "amy" })).toBe("amy@acme.test");
    expect(await email(["--user", "jdoe"], { MAILCFG_USER: "amy" })).toBe("jdoe@acme.test");
  });

  it("without a Company Email, a company document is not configured (exit 7) naming mailcfg setup company", async () => {
    const r = await runCli(["route", "--doc", "deposit-link", "--json"], { dir });
    expect(r.code).toBe(7);
    expect(r.json()).toMatchObject({ ok: false, error: { category: "not-configured", next: "mailcfg setup company" } });
  });

  it("refuses an unknown kind with exit 2 and the closest match", async () => {
    const r = await runCli(["route", "--doc", "purchse-order"], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"purchase-order"');
  });

  it("needs --doc or --all", async () => {
    expect((await runCli(["route"], { dir })).code).toBe(2);
    expect((await runCli(["route", "--all", "--doc", "invoice"], { dir })).code).toBe(2);
  });

  it("--all prints every kind for the user", async () => {
    await companyAndJdoe();
    const r = await runCli(["route", "--all", "--user", "jdoe", "--json"], { dir });
    expect(r.code).toBe(0);
    const routes = r.json<{ routes: Array<{ kind: string; email: string; sender: string }> }>().routes;
    expect(routes).toHaveLength(19);
    expect(routes.find((x) => x.kind === "purchase-order")).toMatchObject({ sender: "user", email: "jdoe@acme.test" });
    expect(routes.find((x) => x.kind === "goods-received-notification")).toMatchObject({ sender: "company", email: "sales@acme.test" });
    const text = await runCli(["route", "--all", "--user", "jdoe"], { dir });
    expect(text.stdout.split("\n").filter((l) => l.includes("@acme.test"))).toHaveLength(19);
  });

  it("--all without a Company Email shows which kinds cannot be sent, and exits 7", async () => {
    await saveWebmail(dir, { kind: "user", id: "jdoe" }, { ...server, email: "jdoe@acme.test" });
    const r = await runCli(["route", "--all", "--user", "jdoe", "--json"], { dir });
    expect(r.code).toBe(7);
    const routes = r.json<{ routes: Array<{ kind: string; email?: string; error?: { category: string } }> }>().routes;
    expect(routes.find((x) => x.kind === "invoice")?.email).toBe("jdoe@acme.test");
    expect(routes.find((x) => x.kind === "deposit-link")?.error?.category).toBe("not-configured");
  });
});
