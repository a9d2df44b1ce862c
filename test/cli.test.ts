import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { COMMANDS, VERSION } from "../src/cli.js";
import { SETTINGS } from "../src/config/settings.js";
import { DOC_KINDS } from "../src/routing/catalogue.js";
import { runCli } from "./helpers/cli.js";


describe("command-line plumbing", () => {
  it.each([
    [["stauts"], /^error \[usage\]: unknown command 'stauts'$/m, /Did you mean status\?/],
    [["status", "--bogus"], /^error \[usage\]: unknown option '--bogus'$/m, /mailcfg --help/],
    [["setup"], /^error \[usage\]: Say which sender: company or user <id>\.$/m, /Usage: mailcfg setup company\|user <id>/],
    [["validate", "company", "extra", "more"], /^error \[usage\]: too many arguments/m, /mailcfg --help/],
  ])("%j: exit 2, a one-line error and a fix line on stderr, nothing on stdout", async (argv, error, fix) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(error);
    expect(lines[1]).toMatch(/^ {2}fix: /);
    expect(lines[1]).toMatch(fix);
    expect(readdirSync(r.dir)).toEqual([]);
  });

  it("each command's help is the same whether the run defines every command or only that one", async () => {
    // `mailcfg <command> ...` defines only that command; `mailcfg help <command>` defines all.
    for (const { name } of COMMANDS) {
      const alone = await runCli([name, "--help"]);
      const among = await runCli(["help", name]);
      expect(alone.stdout, name).toMatch(new RegExp(`^Usage: mailcfg ${name} `));
      expect(alone.stdout, name).toBe(among.stdout);
    }
  });

  it("every command has its one-line summary in the top-level help, under its own name", async () => {
    const r = await runCli(["--help"]);
    for (const { name } of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${name}(?: \\S+)* {2,}\\S`, "m"));
    for (const { name, summary } of COMMANDS) expect(r.stdout, name).toContain(`  ${summary}
`);
  });

  it("--json errors are one JSON document on stdout, and stderr stays empty", async () => {
    const r = await runCli(["status", "--bogus", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("");
    expect(r.json()).toEqual({
      ok: false,
      error: { category: "usage", message: "unknown option '--bogus'", hint: expect.stringContaining("mailcfg --help") },
    });
  });

  it("a command group without its subcommand shows its help on stderr and exits 2", async () => {
    const r = await runCli(["config"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: mailcfg config/);
    expect(r.stdout).toBe("");
  });

  it("--version prints the version", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
    }
  });

  it("no arguments and --help print the help with exit codes and examples", async () => {
    for (const argv of [[], ["--help"]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: mailcfg/);
      expect(r.stdout).toMatch(/Exit codes: 0 ok/);
      expect(r.stdout).toMatch(/Examples:\n {2}\$ mailcfg demo/);
    }
  });

  it.each([["setup"], ["validate"], ["status"], ["config"], ["config", "get"], ["sandbox"], ["demo"]])(
    "mailcfg %s --help shows examples on stdout",
    async (...cmd) => {
      const r = await runCli([...cmd, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: mailcfg ${cmd.join(" ")}`));
      if (cmd.join(" ") !== "config get") expect(r.stdout).toMatch(/\n {2}\$ (MAILCFG_PASSWORD=\S+ )?mailcfg /);
      expect(r.stderr).toBe("");
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
    const r = await runCli(argv);
    const help = r.stdout + r.stderr;
    expect(help).toMatch(/^Usage: mailcfg config/);
    for (const key of Object.keys(SETTINGS)) expect(help).toMatch(new RegExp(`^ {2}${key} +\\S`, "m"));
  });

  it.each([[["route", "--help"]], [["route", "-h"]], [["help", "route"]]])("mailcfg %j lists every document kind", async (argv) => {
    const r = await runCli(argv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mailcfg route/);
    for (const k of DOC_KINDS) expect(r.stdout).toContain(`  ${k.id.padEnd(28)} ${k.name}\n`);
  });
});
