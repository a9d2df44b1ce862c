import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, USER } from "../helpers/smtp-rig.js";
import { isLoopbackHost } from "../../src/config/exchange-fields.js";


const base = { host: "127.0.0.1", port: "2525", security: "starttls" };

function setupWith(over: Partial<typeof base>): string[] {
  const f = { ...base, ...over };
  return ["setup", "company", "--host", f.host, "--port", f.port, "--security", f.security, "--email", USER, "--no-validate", "--json"];
}

async function refused(argv: string[], env: Record<string, string> = {}, dir = tempDir()) {
  const r = await runCli(argv, { dir, env: { MAILCFG_PASSWORD: PASSWORD, ...env } });
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(existsSync(join(dir, "config.json"))).toBe(false);
  return r.json().error as { category: string; message: string };
}

describe("strict parsing of settings", () => {
  it.each(["1e3", "0x24b", "+587", "", " 587", "587.0", "70000", "0"])("--port %j is refused (exit 2), nothing saved", async (port) => {
    const e = await refused(setupWith({ port }));
    expect(e.message).toContain("--port");
  });

  it("an empty --security is refused, not taken as the default", async () => {
    const e = await refused(setupWith({ security: "" }));
    expect(e.message).toContain("--security");
  });

  it.each([":::::", "0177.0.0.1", "127.1", "10.0.0.256", "1.2.3"])("--host %j is refused (exit 2)", async (host) => {
    const e = await refused(setupWith({ host }));
    expect(e.message).toContain("--host");
  });

  it.each(["127.0.0.1", "::1", "[::1]", "mail.acme.test", "localhost"])("--host %j is accepted", async (host) => {
    const r = await runCli(setupWith({ host }), { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it("MAILCFG_SECRET_STORE must be file or keyring", async () => {
    const e = await refused(setupWith({}), { MAILCFG_SECRET_STORE: "bogus" });
    expect(e.message).toContain("MAILCFG_SECRET_STORE");
  });

  it.each(["null", "[]", "42", '"text"'])("a config.json of %s is reported (exit 2) and left as it is", async (text) => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), text);
    for (const argv of [["status", "--json"], setupWith({})]) {
      const r = await runCli(argv, { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
      expect(r.code, argv.join(" ")).toBe(2);
      const e = r.json().error as { category: string; message: string };
      expect(e.category).toBe("config");
      expect(e.message).toMatch(/top level/);
      expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(text);
    }
  });

  it.each([
    ["no PEM block", "just some text\n"],
    ["a PEM block that is not a certificate", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"],
  ])("a --ca file with %s is refused (exit 2)", async (_name, text) => {
    const caFile = join(tempDir(), "ca.pem");
    writeFileSync(caFile, text);
    const e = await refused([...setupWith({}), "--ca", caFile]);
    expect(e.message).toContain(`--ca ${caFile}`);
  });

  it.each(["1e3", "0x10", "+1", "1.0"])("queue show %s is refused: ids are decimal whole numbers", async (id) => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const r = await runCli(["queue", "show", id, "--json"], { dir });
    expect(r.code).toBe(2);
    expect((r.json().error as { message: string }).message).toContain("<id>");
  });
});

describe("loopback hosts (plain http allowed)", () => {
  it.each([
    ["anything.localhost", false],
    ["localhost.", false],
    ["127.0.0.1", true],
    ["localhost", true],
    ["::1", true],
  ])("%s: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it("--ews-url http://anything.localhost/ is refused as plain http off this machine", async () => {
    const r = await runCli(
      ["validate", "--type", "exchange", "--ews-url", "http://anything.localhost/EWS/Exchange.asmx", "--domain", "acme.test", "--username", "jdoe", "--email", USER, "--json"],
      { env: { MAILCFG_PASSWORD: PASSWORD } },
    );
    expect(r.code).toBe(2);
    expect((r.json().error as { message: string }).message).toMatch(/http/i);
  });
});
