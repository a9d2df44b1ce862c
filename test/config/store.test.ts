import { describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { configSchema } from "../../src/config/schema.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, USER } from "../helpers/smtp-rig.js";


const setupArgs = ["setup", "company", "--host", "127.0.0.1", "--port", "2525", "--email", USER, "--no-validate"];

function folderWith(file: string, text: string): string {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  return dir;
}

describe("a config file mailcfg cannot read", () => {
  it.each([
    ["not JSON", "{ this is not json"],
    ["JSON that breaks the schema", JSON.stringify({ version: 1, users: {}, settings: {}, company: { type: "webmail" } })],
    ["a setting of the wrong kind", JSON.stringify({ version: 1, users: {}, settings: { "ship-confirmation-sender": "nobody" } })],
  ])("%s: config error, exit 2, naming the file, and the file is left byte for byte", async (_name, text) => {
    const dir = folderWith("config.json", text);
    for (const argv of [["status"], setupArgs, ["validate", "--all"], ["config", "set", "ship-confirmation-sender", "user"]]) {
      const r = await runCli([...argv, "--json"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
      expect(r.code, argv.join(" ")).toBe(2);
      const error = r.json().error as { category: string; message: string; hint: string };
      expect(error.category).toBe("config");
      expect(error.message).toContain(join(dir, "config.json"));
      expect(error.hint).toMatch(/leaves it as it is/);
      expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(text);
      expect(readdirSync(dir)).toEqual(["config.json"]);
    }
  });

  it("human output says what is wrong and how to get out of it", async () => {
    const dir = folderWith("config.json", "{ broken");
    const r = await runCli(["status"], { dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/error \[config\]: The config file .*config\.json cannot be read/);
    expect(r.stderr).toMatch(/mv .*config\.json .*config\.json\.bad/);
  });

  it("a corrupt secrets file is a config error too, and is left as it is", async () => {
    const dir = folderWith("secrets.json", "not json at all");
    const r = await runCli([...setupArgs, "--json"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(2);
    expect((r.json().error as { category: string }).category).toBe("config");
    expect(readFileSync(join(dir, "secrets.json"), "utf8")).toBe("not json at all");
    expect(readdirSync(dir)).toEqual(["secrets.json"]);
  });
});

describe("reading leaves no trace", () => {
  it("status on an empty folder writes no file", async () => {
    const dir = tempDir();
    const r = await runCli(["status"], { dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No profiles are set up/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the config schema", () => {
  it("is a valid JSON schema (the store skips this check at run time for speed)", () => {
    // Compiling checks the schema against the JSON Schema meta-schema (strict mode: no unknown keywords).
    expect(() => new Ajv({ strict: true }).compile({ type: "object", properties: configSchema })).not.toThrow();
  });
});

describe("the config validator compiled ahead of time", () => {
  it("is what scripts/gen-config-validator.mjs makes from the schema today (run it after changing schema.ts)", async () => {
    // @ts-expect-error: a build script in plain JavaScript, without types
    const { generate } = (await import("../../scripts/gen-config-validator.mjs")) as { generate: () => Promise<string> };
    const committed = readFileSync(join(__dirname, "../../src/config/config-validator.generated.js"), "utf8");
    expect(await generate()).toBe(committed);
  });
});
