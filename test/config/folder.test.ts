import { describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import { spawnSync } from "node:child_process";
import { runCli, tempDir } from "../helpers/cli.js";
import { giveToOther, RUNNING_AS_ROOT, runNode } from "../helpers/child.js";
import { useBuiltCli } from "../helpers/build-cli.js";
import { folderWithCompany, PASSWORD, useRig, webmailFlags } from "../helpers/smtp-rig.js";

/**
 * An unusable config folder or file is exit 2 naming the path and what is wrong; a
 * read-only folder still serves the commands that only read; modes are owner-only.
 */
const rig = useRig();
const built = useBuiltCli();


const env = (dir: string, more: Record<string, string> = {}) => ({ MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", ...more });
const errorOf = (out: string) => (JSON.parse(out) as { error: { category: string; message: string } }).error;

describe("a read-only config folder", () => {
  it("status, route, config get, queue list and show work; setup is exit 2 naming the folder; validate reports its verdict and says it was not recorded", async () => {
    const dir = await folderWithCompany(rig);
    const add = await runCli(["queue", "add", "--doc", "invoice", "--to", "buyer@customer.test", "--var", "number=INV-1", "--var", "customer=Acme"], { dir });
    expect(add.code, add.stderr).toBe(0);
    giveToOther([dir, ...readdirSync(dir).map((f) => join(dir, f))]);
    chmodSync(dir, 0o500);
    const before = readFileSync(join(dir, "config.json"), "utf8");

    for (const args of [["status", "--json"], ["route", "--doc", "invoice", "--json"], ["config", "get", "ship-confirmation-sender"], ["queue", "list"], ["queue", "show", "1"]]) {
      const r = await runNode([built.cli.entry, ...args], { env: env(dir), asOther: true, ms: 8000 });
      expect(r.code, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(0);
    }

    const setup = await runNode([built.cli.entry, "setup", "user", "jdoe", ...webmailFlags(rig.starttls, "starttls", undefined), "--no-validate", "--json"], { env: env(dir, { MAILCFG_PASSWORD: PASSWORD }), asOther: true, ms: 8000 });
    expect(setup.code, setup.stdout + setup.stderr).toBe(2);
    expect(errorOf(setup.stdout)).toMatchObject({ category: "config" });
    expect(errorOf(setup.stdout).message).toContain(dir);

    const validate = await runNode([built.cli.entry, "validate", "company", "--no-send", "--json"], { env: env(dir), asOther: true, ms: 8000 });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const doc = JSON.parse(validate.stdout) as { results: Array<{ ok: boolean; recorded?: boolean }> };
    expect(doc.results[0]).toMatchObject({ ok: true, recorded: false });
    expect(validate.stderr).toMatch(/could not be recorded/);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(before);
  }, 60_000);
});

describe("something else where the folder or a file should be", () => {
  it("a file in place of the config folder: status and setup exit 2 naming it", async () => {
    const dir = join(tempDir(), "mailcfg");
    writeFileSync(dir, "not a folder");
    for (const argv of [["status", "--json"], ["setup", "company", ...webmailFlags(rig.starttls, "starttls", undefined), "--no-validate", "--json"], ["queue", "list", "--json"]]) {
      const r = await runCli(argv, { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
      expect(r.code, `${argv.join(" ")}: ${r.stdout}${r.stderr}`).toBe(2);
      expect((r.json().error as { message: string }).message).toContain(dir);
    }
  });

  it.each(["secrets.json", "queue.db"])("a folder named %s: exit 2 naming it", async (name) => {
    const dir = await folderWithCompany(rig);
    const path = join(dir, name);
    if (existsSync(path)) spawnSync("rm", ["-f", path]);
    mkdirSync(path);
    const argv = name === "queue.db" ? ["queue", "list", "--json"] : ["validate", "company", "--no-send", "--json"];
    const r = await runCli(argv, { dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const e = r.json().error as { category: string; message: string };
    expect(e.category).toBe("config");
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/folder/);
  });

  it.each([
    ["a number", 12345],
    ["null", null],
  ])("a secrets.json value that is %s: exit 2 naming it, not an auth failure", async (_name, value) => {
    const dir = await folderWithCompany(rig);
    writeFileSync(join(dir, "secrets.json"), JSON.stringify({ "company/password": value }), { mode: 0o600 });
    const r = await runCli(["validate", "company", "--json"], { dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const e = r.json().error as { category: string; message: string };
    expect(e.category).toBe("config");
    expect(e.message).toContain("company/password");
  });

  it("status on a folder that does not exist creates nothing", async () => {
    const dir = join(tempDir(), "not-yet");
    const r = await runCli(["status", "--json"], { dir });
    expect(r.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("permissions", () => {
  it("the config folder is created 0700 and its files 0600, whatever the umask", async () => {
    const dir = join(tempDir(), "fresh");
    const r = await runNode([built.cli.entry, "setup", "company", ...webmailFlags(rig.starttls, "starttls", undefined), "--no-validate"], { env: env(dir, { MAILCFG_PASSWORD: PASSWORD }), umask: 0 });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    const queued = await runNode([built.cli.entry, "queue", "list"], { env: env(dir), umask: 0, ms: 8000 });
    expect(queued.code, queued.stderr).toBe(0);
    expect(statSync(join(dir, "queue.db")).mode & 0o777).toBe(0o600);
  });

  it("looser modes found on disk are made owner-only, with a note", async () => {
    const dir = await folderWithCompany(rig);
    expect((await runCli(["queue", "list"], { dir })).code).toBe(0);
    chmodSync(dir, 0o755);
    for (const f of ["config.json", "secrets.json", "queue.db"]) chmodSync(join(dir, f), 0o644);
    const r = await runCli(["validate", "company", "--no-send"], { dir });
    expect(r.code, r.stderr).toBe(0);
    const q = await runCli(["queue", "list"], { dir });
    expect(q.code, q.stderr).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ["config.json", "secrets.json", "queue.db"]) {
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
      expect(r.stderr + q.stderr).toContain(`${join(dir, f)} was readable by others (mode 0644)`);
    }
  });

  it.runIf(RUNNING_AS_ROOT)("a secrets.json readable by others that this user cannot change is refused (exit 2), not used", async () => {
    const dir = await folderWithCompany(rig);
    giveToOther([dir, join(dir, "config.json"), join(dir, "ca.pem")]);
    chmodSync(join(dir, "secrets.json"), 0o644); // still root's: nobody cannot chmod it
    const r = await runNode([built.cli.entry, "validate", "company", "--no-send", "--json"], { env: env(dir), asOther: true, ms: 8000 });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(errorOf(r.stdout).message).toMatch(/secrets\.json is readable by others \(mode 0644\) and mailcfg cannot make it owner-only/);
  });

  it.each(["queue.db", "secrets.json"])("a symbolic link planted as %s is refused, its target untouched", async (name) => {
    const dir = await folderWithCompany(rig);
    const target = join(tempDir(), "elsewhere");
    writeFileSync(target, "precious\n");
    spawnSync("rm", ["-f", join(dir, name)]);
    symlinkSync(target, join(dir, name));
    const argv = name === "queue.db" ? ["queue", "list", "--json"] : ["validate", "company", "--no-send", "--json"];
    const r = await runCli(argv, { dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect((r.json().error as { message: string }).message).toMatch(/symbolic link/);
    expect(readFileSync(target, "utf8")).toBe("precious\n");
  });
});

describe("what a killed run leaves behind", () => {
  it("temp files of a killed writer are removed by the next write; they never outlive it", async () => {
    const dir = await folderWithCompany(rig);
    const stale = ["secrets.json.4242-123456789.tmp", "secrets.json.tmp", "config.json.tmp", "config.json.tmp-8317"];
    for (const f of stale) writeFileSync(join(dir, f), '{"company/password":"fake-old-secret"}', { mode: 0o644 });
    const r = await runCli(["setup", "user", "jdoe", ...webmailFlags(rig.starttls, "starttls", undefined), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("a lock left by a killed process does not block the next run", async () => {
    const dir = await folderWithCompany(rig);
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(join(dir, "config.lock"), `${dead} ${hostname()}\n`);
    const started = Date.now();
    const r = await runCli(["setup", "user", "jdoe", ...webmailFlags(rig.starttls, "starttls", undefined), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(existsSync(join(dir, "config.lock"))).toBe(false);
  });

  it("a lock not touched for a minute is taken over, even if its pid is in use", async () => {
    const dir = await folderWithCompany(rig);
    const lock = join(dir, "config.lock");
    writeFileSync(lock, `${process.ppid}\n`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const r = await runCli(["setup", "user", "jdoe", ...webmailFlags(rig.starttls, "starttls", undefined), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code, r.stderr).toBe(0);
  });
});
