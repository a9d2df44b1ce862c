import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempConfig, type TempConfig } from "../helpers/cli.js";
import { runNode } from "../helpers/child.js";
import { buildCli, type BuiltCli } from "../helpers/build-cli.js";
import { saveWebmail } from "../helpers/profiles.js";
import { packagesLoaded } from "../helpers/loaded-packages.js";

const HEAVY = ["nodemailer", "better-sqlite3", "googleapis", "google-auth-library", "ews-javascript-api"];

// A module hook that writes every resolved module URL to a file, so the test sees
// exactly which packages a command loaded.
const HOOKS = `
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MAILCFG_TRACE_FILE, r.url + "\\n");
  return r;
}`;
const REGISTER = `import { register } from "node:module";\nregister(new URL("./hooks.mjs", import.meta.url));\n`;

describe("commands that must stay light", () => {
  let cli: BuiltCli;
  let tmp: TempConfig;
  beforeAll(async () => {
    cli = await buildCli();
    tmp = tempConfig();
    writeFileSync(join(tmp.dir, "hooks.mjs"), HOOKS);
    writeFileSync(join(tmp.dir, "register.mjs"), REGISTER);
    await saveWebmail(join(tmp.dir, "config"), { kind: "company" }, { host: "127.0.0.1", port: 2525, security: "starttls", email: "sales@acme.test" });
  }, 60_000);
  afterAll(() => {
    cli?.remove();
    tmp?.remove();
  });

  async function loaded(args: string[], name: string): Promise<{ code: number | null; packages: string[] }> {
    const trace = join(tmp.dir, `${name}.trace`);
    writeFileSync(trace, "");
    const r = await runNode(["--import", join(tmp.dir, "register.mjs"), cli.entry, ...args], {
      env: { MAILCFG_CONFIG_DIR: join(tmp.dir, "config"), MAILCFG_SECRET_STORE: "file", MAILCFG_TRACE_FILE: trace, MAILCFG_PASSWORD: "fake-password-123" },
    });
    return { code: r.code, packages: [...packagesLoaded(readFileSync(trace, "utf8").split("\n"))] };
  }

  it.each([
    [["route", "--doc", "invoice", "--json"]],
    [["route", "--all"]],
    [["--help"]],
    [["status"]],
    [["send", "--help"]],
    [["queue", "--help"]],
    [["completion", "bash"]],
    [["__complete", "validate", "user", ""]],
    [["help", "environment"]],
    [["config", "path"]],
  ])("mailcfg %j loads none of the heavy packages", async (args) => {
    const r = await loaded(args, args.join("_"));
    expect(r.code).toBe(0);
    expect(r.packages).toContain("commander"); // the trace works (commander is bundled into the entry)
    for (const heavy of HEAVY) expect(r.packages).not.toContain(heavy);
  });

  it("queue list does load better-sqlite3 (the trace can tell)", async () => {
    const r = await loaded(["queue", "list"], "queue");
    expect(r.code).toBe(0);
    expect(r.packages).toContain("better-sqlite3");
  });

  it("validate does load nodemailer (the trace can tell)", async () => {
    const r = await loaded(["validate", "--type", "webmail", "--host", "127.0.0.1", "--port", "1", "--email", "a@b.test", "--no-send", "--timeout", "2"], "validate");
    expect(r.packages).toContain("nodemailer");
  });
});
