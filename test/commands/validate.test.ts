import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, PASSWORD2, USER, USER2, useRig, webmailFlags } from "../helpers/smtp-rig.js";

const rig = useRig();

const T1 = new Date("2026-11-20T10:00:00.000Z");
const T2 = new Date("2026-11-21T09:30:00.000Z");

async function setUp(dir: string, owner: string[], flags: string[], password: string) {
  const r = await runCli(["setup", ...owner, ...flags], { dir, env: { MAILCFG_PASSWORD: password }, now: () => T1 });
  expect(r.code, r.stderr).toBe(0);
}
function config(dir: string) {
  return JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
    company?: { validation?: Record<string, unknown> };
    users: Record<string, { validation?: Record<string, unknown> }>;
  };
}
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "base64")]));
}

describe("validate saved profiles", () => {
  it("validate company sends a test mail with the saved password and records when", async () => {
    const dir = tempDir();
    await setUp(dir, ["company"], webmailFlags(rig.starttls, "starttls", rig.caFile), PASSWORD);
    const before = rig.starttls.messages.length;
    const r = await runCli(["validate", "company", "--ca", rig.caFile], { dir, now: () => T2 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ Company Email: Connected to .* logged in as sales@acme\.test/);
    const got = rig.starttls.messages.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.user).toBe(USER);
    expect(config(dir).company?.validation).toEqual({ at: T2.toISOString(), ok: true, method: "test-mail", to: USER });
  });

  it("remembers the --ca given at setup, so a later validate trusts the same private server", async () => {
    const dir = tempDir();
    await setUp(dir, ["company"], webmailFlags(rig.starttls, "starttls", rig.caFile), PASSWORD);
    expect((config(dir).company as { caFiles?: string[] }).caFiles).toEqual([rig.caFile]);
    const r = await runCli(["validate", "company", "--no-send"], { dir, now: () => T2 });
    expect(r.code, r.stderr).toBe(0);
    const d = await runCli(["diagnose", "company", "--stop-after", "auth"], { dir });
    expect(d.code, d.stdout + d.stderr).toBe(0);
    // Without the saved CA the same server is untrusted: the saved file is what made the difference.
    const ad = await runCli(
      ["validate", "--type", "webmail", "--no-send", ...webmailFlags(rig.starttls, "starttls", undefined)],
      { dir: tempDir(), env: { MAILCFG_PASSWORD: PASSWORD } },
    );
    expect(ad.code).toBe(5);
  });

  it("--to sends the test mail elsewhere", async () => {
    const dir = tempDir();
    await setUp(dir, ["user", "jdoe"], webmailFlags(rig.implicit, "tls", rig.caFile, USER2), PASSWORD2);
    const before = rig.implicit.messages.length;
    const r = await runCli(["validate", "user", "jdoe", "--to", "it@acme.test", "--ca", rig.caFile, "--json"], { dir });
    expect(r.code).toBe(0);
    expect(rig.implicit.messages.slice(before).map((m) => m.to)).toEqual([["it@acme.test"]]);
    expect(config(dir).users.jdoe?.validation).toMatchObject({ ok: true, to: "it@acme.test" });
  });

  it("--no-send logs in only: no message reaches the server, and the record says so", async () => {
    const dir = tempDir();
    await setUp(dir, ["company"], webmailFlags(rig.starttls, "starttls", rig.caFile), PASSWORD);
    const before = rig.starttls.messages.length;
    const r = await runCli(["validate", "company", "--no-send", "--ca", rig.caFile, "--json"], { dir, now: () => T2 });
    expect(r.code).toBe(0);
    expect(rig.starttls.messages.length).toBe(before);
    const results = r.json().results as Array<Record<string, unknown>>;
    expect(results[0]).toMatchObject({ ok: true, method: "login" });
    expect(results[0]!.testMail).toBeUndefined();
    expect(config(dir).company?.validation).toEqual({ at: T2.toISOString(), ok: true, method: "login" });
  });

  it("--all validates every profile, reports each, and exits with the failure's code", async () => {
    const dir = tempDir();
    const doomed = await rig.variant({});
    await setUp(dir, ["company"], webmailFlags(rig.starttls, "starttls", rig.caFile), PASSWORD);
    await setUp(dir, ["user", "jdoe"], webmailFlags(doomed, "starttls", rig.caFile, USER2), PASSWORD2);
    await setUp(dir, ["user", "asmith"], webmailFlags(rig.implicit, "tls", rig.caFile, USER2), PASSWORD2);

    const ok = await runCli(["validate", "--all", "--ca", rig.caFile, "--json"], { dir });
    expect(ok.code).toBe(0);
    expect((ok.json().results as unknown[]).length).toBe(3);

    await doomed.close();
    const j = await runCli(["validate", "--all", "--ca", rig.caFile, "--json"], { dir, now: () => T2 });
    expect(j.code).toBe(4);
    const doc = j.json() as { ok: boolean; results: Array<{ owner: Record<string, string>; ok: boolean; error?: { category: string } }> };
    expect(doc.ok).toBe(false);
    expect(doc.results.map((x) => [x.owner, x.ok, x.error?.category])).toEqual([
      [{ kind: "company" }, true, undefined],
      [{ kind: "user", id: "asmith" }, true, undefined],
      [{ kind: "user", id: "jdoe" }, false, "server"],
    ]);
    expect(config(dir).users.jdoe?.validation).toMatchObject({ at: T2.toISOString(), ok: false, category: "server" });
    expect(config(dir).users.asmith?.validation).toMatchObject({ at: T2.toISOString(), ok: true });

    const human = await runCli(["validate", "--all", "--ca", rig.caFile], { dir });
    expect(human.code).toBe(4);
    expect(human.stdout).toMatch(/✓ Company Email/);
    expect(human.stdout).toMatch(/✗ User Email of jdoe/);
    expect(human.stderr).toMatch(/error \[server\]/);
  });

  it("a profile that is not set up: not-configured, exit 7, naming the setup command", async () => {
    const r = await runCli(["validate", "user", "nobody", "--json"]);
    expect(r.code).toBe(7);
    expect(r.json().error).toMatchObject({ category: "not-configured", next: "mailcfg setup user nobody" });
    const all = await runCli(["validate", "--all", "--json"]);
    expect(all.code).toBe(7);
    expect(all.json().error).toMatchObject({ category: "not-configured", next: "mailcfg setup company" });
  });

  it("a profile whose password is gone: not-configured, exit 7", async () => {
    const dir = tempDir();
    await setUp(dir, ["company"], webmailFlags(rig.starttls, "starttls", rig.caFile), PASSWORD);
    rmSync(join(dir, "secrets.json"));
    const r = await runCli(["validate", "company", "--ca", rig.caFile, "--json"], { dir });
    expect(r.code).toBe(7);
    expect(r.json().error).toMatchObject({ category: "not-configured" });
  });

  it.each([[["validate"]], [["validate", "company", "--all"]], [["validate", "company", "--type", "webmail"]]])(
    "%j is a usage error",
    async (argv) => {
      const r = await runCli([...argv, "--json"]);
      expect(r.code).toBe(2);
      expect(r.json().error).toMatchObject({ category: "usage" });
    },
  );
});

describe("ad hoc validation", () => {
  it("validates settings given as flags and leaves saved profiles and secrets untouched", async () => {
    const dir = tempDir();
    await setUp(dir, ["company"], webmailFlags(rig.starttls, "starttls", rig.caFile), PASSWORD);
    const before = snapshot(dir);
    const sent = rig.implicit.messages.length;
    const r = await runCli(["validate", "--type", "webmail", ...webmailFlags(rig.implicit, "tls", rig.caFile, USER2), "--json"], {
      dir,
      env: { MAILCFG_PASSWORD: PASSWORD2 },
    });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, saved: false });
    expect(rig.implicit.messages.length).toBe(sent + 1);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a failing ad hoc validation also saves nothing", async () => {
    const dir = tempDir();
    const r = await runCli(["validate", "--type", "webmail", ...webmailFlags(rig.starttls, "tls", rig.caFile), "--json"], {
      dir,
      env: { MAILCFG_PASSWORD: PASSWORD },
    });
    expect(r.code).toBe(5);
    expect(readdirSync(dir)).toEqual([]);
  });
});
