import { afterAll, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { COMMANDS, VERSION } from "../src/cli.js";
import { SETTINGS } from "../src/config/settings.js";
import { DOC_KINDS } from "../src/routing/catalogue.js";
import { cleanupTempDirs, run } from "./helpers/smtp-rig.js";

afterAll(() => cleanupTempDirs());

describe("command-line plumbing", () => {
  it.each([
    [["stauts"], /^error \[usage\]: unknown command 'stauts'$/m, /Did you mean status\?/],
    [["status", "--bogus"], /^error \[usage\]: unknown option '--bogus'$/m, /mailcfg --help/],
    [["setup"], /^error \[usage\]: Say which sender: company or user <id>\.$/m, /Usage: mailcfg setup company\|user <id>/],
    [["validate", "company", "extra", "more"], /^error \[usage\]: too many arguments/m, /mailcfg --help/],
  ])("%j: exit 2, a one-line error and a fix line on stderr, nothing on stdout", async (argv, error, fix) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(error);
    expect(lines[1]).toMatch(/^ {2}fix: /);
    expect(lines[1]).toMatch(fix);
    expect(readdirSync(r.t.dir)).toEqual([]);
  });

  it("each command's help is the same whether the run defines every command or only that one", async () => {
    // `mailcfg <command> ...` defines only that command; `mailcfg help <command>` defines all.
    for (const { name } of COMMANDS) {
      const alone = await run([name, "--help"]);
      const among = await run(["help", name]);
      expect(alone.out, name).toMatch(new RegExp(`^Usage: mailcfg ${name} `));
      expect(alone.out, name).toBe(among.out);
    }
  });

  it("every command has its one-line summary in the top-level help, under its own name", async () => {
    const r = await run(["--help"]);
    for (const { name } of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${name}(?: \\S+)* {2,}\\S`, "m"));
    for (const { name, summary } of COMMANDS) expect(r.out, name).toContain(`  ${summary}\n`);
  });

  it("--json errors are one JSON document on stdout, and stderr stays empty", async () => {
    const r = await run(["status", "--bogus", "--json"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("");
    expect(r.json()).toEqual({
      ok: false,
      error: { category: "usage", message: "unknown option '--bogus'", hint: expect.stringContaining("mailcfg --help") },
    });
  });

  it("a command group without its subcommand shows its help on stderr and exits 2", async () => {
    const r = await run(["config"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Usage: mailcfg config/);
    expect(r.out).toBe("");
  });

  it("--version prints the version", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${VERSION}\n`);
    }
  });

  it("no arguments and --help print the help with exit codes and examples", async () => {
    for (const argv of [[], ["--help"]]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: mailcfg/);
      expect(r.out).toMatch(/Exit codes: 0 ok/);
      expect(r.out).toMatch(/Examples:\n {2}\$ mailcfg demo/);
    }
  });

  it.each([["setup"], ["validate"], ["status"], ["config"], ["config", "get"], ["sandbox"], ["demo"]])(
    "mailcfg %s --help shows examples on stdout",
    async (...cmd) => {
      const r = await run([...cmd, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: mailcfg ${cmd.join(" ")}`));
      if (cmd.join(" ") !== "config get") expect(r.out).toMatch(/\n {2}\$ (MAILCFG_PASSWORD=\S+ )?mailcfg /);
      expect(r.err).toBe("");
    },
  );

  // These help texts are built from data loaded only when the command is named: every way
  // of asking for them must still list all of it.
  it.each([
    [["config", "--help"]],
    [["config", "-h"]],
    [["help", "config"]],
    [["config", "help"]],
    [["config"]],
  ])("mailcfg %j lists every setting", async (argv) => {
    const r = await run(argv);
    const help = r.out + r.err;
    expect(help).toMatch(/^Usage: mailcfg config/);
    for (const key of Object.keys(SETTINGS)) expect(help).toMatch(new RegExp(`^ {2}${key} +\\S`, "m"));
  });

  it.each([[["route", "--help"]], [["route", "-h"]], [["help", "route"]]])("mailcfg %j lists every document kind", async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: mailcfg route/);
    for (const k of DOC_KINDS) expect(r.out).toContain(`  ${k.id.padEnd(28)} ${k.name}\n`);
  });
});
