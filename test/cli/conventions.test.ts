import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { buildCli, type BuiltCli } from "../helpers/build-cli.js";
import { PASSWORD, USER, useRig, webmailFlags } from "../helpers/smtp-rig.js";
import { VERSION } from "../../src/cli.js";

const ROOT = join(import.meta.dirname, "..", "..");
const rig = useRig();

let cli: BuiltCli;
let binDir: string;
beforeAll(async () => {
  cli = await buildCli();
  binDir = tempDir();
  // `mailcfg` on PATH, as an installed one is.
  writeFileSync(join(binDir, "mailcfg"), `#!/bin/sh\nexec "${process.execPath}" "${cli.entry}" "$@"\n`);
  chmodSync(join(binDir, "mailcfg"), 0o755);
}, 60_000);
afterAll(() => cli?.remove());

/** Runs a bash snippet with mailcfg on PATH and the given config folder. */
function bash(script: string, configDir: string): string {
  return execFileSync("bash", ["-c", script], {
    encoding: "utf8",
    env: { PATH: `${binDir}:${process.env.PATH}`, MAILCFG_CONFIG_DIR: configDir, MAILCFG_SECRET_STORE: "file", HOME: configDir },
  });
}

/** Drives the bash completion function as bash does at a TAB: COMP_WORDS and COMP_CWORD. */
function complete(configDir: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const out = bash(`source <(mailcfg completion bash)\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _mailcfg; printf '%s\\n' "\${COMPREPLY[@]}"`, configDir);
  return out.split("\n").filter(Boolean);
}

describe("mailcfg completion", () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    for (const id of ["jdoe", "amy.lee"]) {
      const r = await runCli(["setup", "user", id, "--host", "127.0.0.1", "--email", `${id}@acme.test`, "--no-validate"], { dir, env: { MAILCFG_PASSWORD: "fake-password-1" } });
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it("the bash script loads and registers a completion for mailcfg", () => {
    expect(bash("source <(mailcfg completion bash); complete -p mailcfg", dir)).toMatch(/^complete .*-F _mailcfg mailcfg$/m);
  });

  it("completes saved user ids after `validate user`, read from the config at that moment", () => {
    expect(complete(dir, ["mailcfg", "validate", "user", ""])).toEqual(["amy.lee", "jdoe"]);
    expect(complete(dir, ["mailcfg", "remove", "user", "j"])).toEqual(["jdoe"]);
    expect(complete(dir, ["mailcfg", "send", "--doc", "invoice", "--user", "a"])).toEqual(["amy.lee"]);
  });

  it("completes commands, subcommands, flags and document kinds", () => {
    expect(complete(dir, ["mailcfg", "se"])).toEqual(["setup", "send"]);
    expect(complete(dir, ["mailcfg", "queue", "a"])).toEqual(["add"]);
    expect(complete(dir, ["mailcfg", "validate", ""])).toEqual(["company", "user"]);
    expect(complete(dir, ["mailcfg", "send", "--doc", "sales-"])).toEqual(["sales-order"]);
    expect(complete(dir, ["mailcfg", "remove", "company", "--"])).toEqual(expect.arrayContaining(["--yes", "--force", "--json", "--debug"]));
    expect(complete(dir, ["mailcfg", "help", "env"])).toEqual(["environment"]);
    expect(complete(dir, ["mailcfg", "config", "get", "ship"])).toEqual(["ship-confirmation-sender"]);
  });

  it("completes a flag's values from its definition: choices, and the values it names", () => {
    expect(complete(dir, ["mailcfg", "setup", "company", "--type", ""])).toEqual(["webmail", "exchange", "gmail"]);
    expect(complete(dir, ["mailcfg", "setup", "company", "--security", ""])).toEqual(["starttls", "tls", "none"]);
    expect(complete(dir, ["mailcfg", "validate", "--preset", "microsoft-"])).toEqual(["microsoft-oauth", "microsoft-graph"]);
    expect(complete(dir, ["mailcfg", "diagnose", "--login-form", ""])).toEqual(["domain", "upn"]);
    expect(complete(dir, ["mailcfg", "queue", "list", "--state", "un"])).toEqual(["uncertain"]);
  });

  it("prints zsh and fish scripts that call back into mailcfg; an unknown shell is a usage error", async () => {
    const zsh = await runCli(["completion", "zsh"]);
    expect(zsh.stdout).toMatch(/^#compdef mailcfg/);
    expect(zsh.stdout).toContain("mailcfg __complete");
    const fish = await runCli(["completion", "fish"]);
    expect(fish.stdout).toContain("complete -c mailcfg -a '(__mailcfg_complete)'");
    const bad = await runCli(["completion", "tcsh"]);
    expect(bad.code).toBe(2);
    const help = await runCli(["completion", "--help"]);
    expect(help.stdout).toContain("echo 'source <(mailcfg completion bash)' >> ~/.bashrc");
  });
});

/** Every file under a folder. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe("mailcfg help environment", () => {
  it("lists every MAILCFG_* variable read anywhere in src/, and the others mailcfg reads", async () => {
    const used = new Set<string>();
    for (const f of files(join(ROOT, "src"))) {
      for (const m of readFileSync(f, "utf8").matchAll(/MAILCFG_[A-Z_]+/g)) if (!m[0].endsWith("_")) used.add(m[0]);
    }
    expect(used.size).toBeGreaterThan(10);
    const r = await runCli(["help", "environment"]);
    expect(r.code).toBe(0);
    const listed = new Set([...r.stdout.matchAll(/^ {2}([A-Z_]+)$/gm)].map((m) => m[1]));
    for (const name of [...used, "NODE_EXTRA_CA_CERTS", "XDG_CONFIG_HOME", "NO_COLOR"]) expect(listed, name).toContain(name);
    expect(r.stdout).toMatch(/MAILCFG_GOOGLE_REVOKE_URL\n.*\n\s+default: https:\/\/oauth2\.googleapis\.com\/revoke/);
    const j = await runCli(["help", "environment", "--json"]);
    expect((j.json().variables as unknown[]).length).toBe(listed.size);
  });
});

describe("conventions: --debug, config path, -v", () => {
  it("--debug on any command shows the protocol log with the password masked", async () => {
    const dir = tempDir();
    const setup = await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", rig.caFile)], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(setup.code).toBe(0);
    const quiet = await runCli(["validate", "company", "--no-send"], { dir });
    expect(quiet.stderr).not.toMatch(/debug:/);
    const r = await runCli(["validate", "company", "--no-send", "--debug"], { dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/debug: .*EHLO/);
    expect(r.stderr).toMatch(/debug: .*AUTH/);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(r.stderr).not.toContain(Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64"));
  });

  it("--debug prints the stack trace of a failure; without it there is none", async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), "{ not json");
    const plain = await runCli(["status"], { dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).not.toMatch(/^\s+at /m);
    const debug = await runCli(["status", "--debug"], { dir });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it("config path prints the config folder; -v and -V print the version", async () => {
    const dir = tempDir();
    const r = await runCli(["config", "path"], { dir });
    expect(r.stdout).toBe(`${dir}\n`);
    expect((await runCli(["config", "path", "--json"], { dir })).json()).toMatchObject({ configDir: dir, configFile: join(dir, "config.json") });
    expect((await runCli(["-v"])).stdout).toBe(`${VERSION}\n`);
    expect((await runCli(["-V"])).stdout).toBe(`${VERSION}\n`);
  });
});
