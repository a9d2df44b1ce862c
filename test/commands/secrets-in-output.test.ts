import { describe, expect, it } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, USER, useRig, webmailFlags, WRONG_PASSWORD } from "../helpers/smtp-rig.js";

const rig = useRig();

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
/** How a password can show up: as typed, base64 (AUTH LOGIN) and inside AUTH PLAIN. */
function forms(password: string): string[] {
  return [password, b64(password), b64(`\0${USER}\0${password}`), encodeURIComponent(password)];
}

function expectNoSecret(where: string, text: string): void {
  for (const pw of [PASSWORD, WRONG_PASSWORD]) {
    for (const f of forms(pw)) expect(text.includes(f), `${where} contains a form of the password: ${f}`).toBe(false);
  }
}

describe("no secret in output, errors or the config file", () => {
  const flags = () => webmailFlags(rig.starttls, "starttls", rig.caFile);

  it.each([
    ["setup, success", PASSWORD, ["setup", "company"], 0],
    ["setup, wrong password", WRONG_PASSWORD, ["setup", "company"], 3],
    ["ad hoc validate, success", PASSWORD, ["validate", "--type", "webmail"], 0],
    ["ad hoc validate, wrong password", WRONG_PASSWORD, ["validate", "--type", "webmail"], 3],
  ] as const)("%s (human and --json)", async (_name, password, argv, code) => {
    for (const json of [false, true]) {
      const r = await runCli([...argv, ...flags(), ...(json ? ["--json"] : [])], { env: { MAILCFG_PASSWORD: password } });
      expect(r.code).toBe(code);
      expectNoSecret("stdout", r.stdout);
      expectNoSecret("stderr", r.stderr);
      if (json) expect(() => r.json()).not.toThrow();
      if (code === 0 && argv[0] === "setup") {
        expectNoSecret("config.json", readFileSync(join(r.dir, "config.json"), "utf8"));
      }
    }
  });

  it("validating a saved profile: neither the result nor the recorded failure holds the password", async () => {
    const dir = tempDir();
    // Saved without validation with the wrong password, so validate fails at AUTH.
    const saved = await runCli(["setup", "company", ...flags(), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: WRONG_PASSWORD } });
    expect(saved.code).toBe(0);
    for (const json of [false, true]) {
      const r = await runCli(["validate", "company", "--ca", rig.caFile, ...(json ? ["--json"] : [])], { dir });
      expect(r.code).toBe(3);
      expectNoSecret("stdout", r.stdout);
      expectNoSecret("stderr", r.stderr);
    }
    const config = readFileSync(join(dir, "config.json"), "utf8");
    expect(config).toMatch(/"ok": false/);
    expectNoSecret("config.json", config);

    const status = await runCli(["status", "--json"], { dir });
    expectNoSecret("status", status.stdout);
  });

  it("the secrets file and the config file are readable only by their owner (0600)", async () => {
    const r = await runCli(["setup", "company", ...flags()], { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(0);
    const secrets = join(r.dir, "secrets.json");
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(statSync(join(r.dir, "config.json")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(secrets, "utf8"))).toEqual({ "company/password": PASSWORD });
  });
});
