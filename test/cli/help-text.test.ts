import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/build-cli.js";
import { runNode } from "../helpers/child.js";
import { tempDir } from "../helpers/cli.js";

/**
 * Every command's --help, as the built CLI prints it to a pipe, is the text kept in
 * test/cli/help/ (taken before commands became typed definitions). A change to a help
 * text is a change to this folder too, on purpose.
 */
const HELP = join(import.meta.dirname, "help");
const BIN = join(ROOT, "bin", "mailcfg.js");

/** "queue-add.txt" is `mailcfg queue add --help`; "top.txt" is `mailcfg --help`. */
function argvOf(file: string): string[] {
  const name = file.replace(/\.txt$/, "");
  if (name === "top") return ["--help"];
  const [command = "", sub] = name.startsWith("connect-") ? [name] : name.split("-");
  return [command, ...(sub ? [sub] : []), "--help"];
}

describe("help texts", () => {
  const files = readdirSync(HELP).filter((f) => f.endsWith(".txt"));

  it("cover the program and every command and subcommand", () => {
    expect(files.length).toBe(31);
  });

  it.each(files)("%s is what --help prints", async (file) => {
    const r = await runNode([BIN, ...argvOf(file)], { cwd: ROOT, env: { MAILCFG_CONFIG_DIR: tempDir() } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(HELP, file), "utf8"));
  });
});
