import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, USER, useRig, webmailFlags } from "../helpers/smtp-rig.js";

/**
 * The names of Object.prototype's members are ordinary user ids, setting names and
 * template variables: they find only what was saved under them, never JavaScript's own.
 */
const rig = useRig();
const BUILT_IN = ["constructor", "hasOwnProperty", "valueOf", "toString"];

async function withCompany(): Promise<string> {
  const dir = tempDir();
  const r = await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", rig.caFile), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const doc = ["--doc", "sales-order", "--to", "buyer@customer.test", "--var", "number=SO-1", "--var", "customer=Acme", "--dry-run", "--json"];

describe("built-in object names", () => {
  it.each(BUILT_IN)("--user %s with no User Email falls back to the Company Email", async (id) => {
    const dir = await withCompany();
    const r = await runCli(["route", "--doc", "sales-order", "--user", id, "--json"], { dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.stringify(r.json())).toContain(USER);
    const sent = await runCli(["send", ...doc, "--user", id], { dir });
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    expect(sent.stdout).toContain(USER);
    expect(sent.stdout).not.toMatch(/undefined|function/);
  });

  it.each(BUILT_IN)("MAILCFG_USER=%s is an ordinary acting user", async (id) => {
    const dir = await withCompany();
    const r = await runCli(["route", "--doc", "sales-order", "--json"], { dir, env: { MAILCFG_USER: id } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.stringify(r.json())).toContain(USER);
  });

  it.each(BUILT_IN)("validate user %s says that user is not set up (exit 7)", async (id) => {
    const dir = await withCompany();
    const r = await runCli(["validate", "user", id, "--json"], { dir });
    expect(r.code, r.stdout + r.stderr).toBe(7);
    expect((r.json().error as { category: string }).category).toBe("not-configured");
  });

  it.each(BUILT_IN)("setup user %s saves a profile that status, route and validate find", async (id) => {
    const dir = await withCompany();
    const set = await runCli(["setup", "user", id, ...webmailFlags(rig.starttls, "starttls", rig.caFile), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(set.code, set.stderr).toBe(0);
    const status = await runCli(["status", "--json"], { dir });
    expect((status.json().profiles as unknown[]).length).toBe(2);
    const valid = await runCli(["validate", "user", id, "--no-send", "--json"], { dir });
    expect(valid.code, valid.stdout + valid.stderr).toBe(0);
  });

  it.each(["__proto__", "_x"])("a user id %s outside the id grammar is refused (exit 2)", async (id) => {
    const dir = await withCompany();
    const r = await runCli(["route", "--doc", "sales-order", "--user", id, "--json"], { dir });
    expect(r.code).toBe(2);
  });

  it.each([...BUILT_IN, "__proto__"])("config set/get %s is an unknown setting (exit 2)", async (key) => {
    const dir = tempDir();
    for (const argv of [["config", "set", key, "x"], ["config", "get", key]]) {
      const r = await runCli([...argv, "--json"], { dir });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect((r.json().error as { message: string }).message).toContain("Unknown setting");
    }
  });

  it.each([...BUILT_IN, "__proto__"])("{{%s}} in a template is a variable: asked for when missing, filled when given", async (name) => {
    const dir = await withCompany();
    const templates = join(dir, "templates");
    mkdirSync(templates);
    writeFileSync(join(templates, "sales-order.subject"), `Order {{${name}}}`);
    expect((await runCli(["config", "set", "templates-dir", templates], { dir })).code).toBe(0);
    const missing = await runCli(["send", ...doc], { dir });
    expect(missing.code, missing.stdout + missing.stderr).toBe(2);
    expect((missing.json().error as { message: string }).message).toContain(name);
    const given = await runCli(["send", ...doc, "--var", `${name}=SO-77`], { dir });
    expect(given.code, given.stdout + given.stderr).toBe(0);
    expect(given.stdout).toContain("Order SO-77");
  });
});
