import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { scriptedPrompter } from "../helpers/scripted-prompter.js";
import { PASSWORD, USER, useRig } from "../helpers/smtp-rig.js";
import { startLocalDns, type LocalDns } from "../helpers/local-dns.js";
import { clientConfig, discoveryEnv, startAutoconfigServers, type AutoconfigServers } from "../helpers/autoconfig-server.js";

const rig = useRig();

function configOf(dir: string): { company?: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { company?: Record<string, unknown> };
}

describe("the setup wizard starts from the address and offers the settings it finds", () => {
  const webCa = new ThrowawayCa("autoconfig test CA");
  const webCaFile = join(tempDir("mailcfg-setup-discover-"), "web-ca.pem");
  writeFileSync(webCaFile, webCa.cert);
  let dns: LocalDns;
  let web: AutoconfigServers;

  beforeAll(async () => {
    dns = await startLocalDns({
      // acme.test (the rig's users) publishes https autoconfig pointing at the rig's STARTTLS server.
      "autoconfig.acme.test": { A: ["127.0.0.1"] },
      // plain.test only over plain http.
      "autoconfig.plain.test": { A: ["127.0.0.1"] },
      "m365.test": { MX: [{ priority: 10, exchange: "m365-test.mail.protection.outlook.com" }] },
    });
    web = await startAutoconfigServers(webCa, ["autoconfig.acme.test", "autoconfig.plain.test"], {
      "https://autoconfig.acme.test/mail/config-v1.1.xml": { xml: clientConfig("acme.test", [{ host: "127.0.0.1", port: rig.starttls.port, socket: "STARTTLS" }]) },
      "http://autoconfig.plain.test/mail/config-v1.1.xml": { xml: clientConfig("plain.test", [{ host: "127.0.0.1", port: rig.implicit.port, socket: "SSL" }]) },
    });
  });
  afterAll(async () => {
    await Promise.all([dns.close(), web.close()]);
  });

  const env = () => discoveryEnv(dns.server, web, webCaFile);
  // The display name and signature questions, answered with their defaults (Enter).
  const IDENTITY_DEFAULTS: Array<[string, (q: { default?: unknown }) => unknown]> = [
    ["Display name", (q) => q.default],
    ["Signature under each message", (q) => q.default],
  ];

  it("address, confirm, password: a validated profile, three questions in all", async () => {
    const prompt = scriptedPrompter([
      ["Email address", USER],
      [`Use 127.0.0.1:${rig.starttls.port} (STARTTLS)?`, true],
      ["Email password", PASSWORD],
      ...IDENTITY_DEFAULTS,
    ]);
    const r = await runCli(["setup", "company", "--ca", rig.caFile], { terminal: true, prompt, env: env() });
    expect(r.code, r.stderr).toBe(0);
    // Address, yes, password; the display name and signature take their defaults with Enter.
    expect(prompt.asked.map((q) => [q.kind, q.message]).slice(0, 3)).toEqual([
      ["text", "Email address"],
      ["confirm", `Use 127.0.0.1:${rig.starttls.port} (STARTTLS)?`],
      ["password", "Email password"],
    ]);
    expect(prompt.asked.slice(3).map((q) => q.message)).toEqual([
      "Display name (shown with the address in From)",
      "Signature under each message (\\n for a new line; empty: the display name and address)",
    ]);
    expect(prompt.asked[1]?.default).toBe(true);
    expect(r.stderr).toContain(`Found 127.0.0.1:${rig.starttls.port} (STARTTLS) in the domain's autoconfig file (https)`);
    expect(configOf(r.dir).company).toMatchObject({ type: "webmail", host: "127.0.0.1", port: rig.starttls.port, security: "starttls", email: USER, validation: { ok: true } });
  });

  it("an untrusted result (plain http) is offered with a warning and needs an explicit yes (default no)", async () => {
    const prompt = scriptedPrompter([
      ["Email address", "sales@plain.test"],
      [/although it is not trusted\?$/, true],
      ["Email password", "fake-password-x"],
      ...IDENTITY_DEFAULTS,
    ]);
    const r = await runCli(["setup", "company", "--no-validate"], { terminal: true, prompt, env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(prompt.asked[1]?.default).toBe(false);
    expect(r.stderr).toMatch(/not trusted.*plain http/);
    expect(configOf(r.dir).company).toMatchObject({ host: "127.0.0.1", port: rig.implicit.port, security: "tls" });
  });

  it("a Microsoft 365 domain: the OAuth route first, the password route with its deadline", async () => {
    const prompt = scriptedPrompter([
      ["Email address", "gina@m365.test"],
      ["How should gina@m365.test send?", "Password over SMTP"],
      ["Email password", "fake-password-x"],
      ...IDENTITY_DEFAULTS,
    ]);
    const r = await runCli(["setup", "company", "--no-validate"], { terminal: true, prompt, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const choices = prompt.asked[1]?.choices ?? [];
    expect(choices[0]).toMatch(/^Sign in with Microsoft \(OAuth/);
    expect(choices[1]).toBe("Password over SMTP: smtp.office365.com:587 (STARTTLS)");
    expect(r.stderr).toMatch(/note on the password route: .*MC786329/);
    expect(configOf(r.dir).company).toMatchObject({ host: "smtp.office365.com", port: 587, security: "starttls", email: "gina@m365.test" });
  });

  it("--no-discover asks as before: the service type first, nothing looked up", async () => {
    const queries = dns.queries.length;
    const prompt = scriptedPrompter([["Email Service Type", () => { throw new Error("stop here"); }]]);
    await runCli(["setup", "company", "--no-discover"], { terminal: true, prompt, env: env() }).catch(() => undefined);
    expect(prompt.asked[0]?.message).toBe("Email Service Type");
    expect(dns.queries.length).toBe(queries);
  });

  it("without a terminal, flags win and nothing is looked up; a missing flag is named as before", async () => {
    const queries = dns.queries.length;
    const r = await runCli(["setup", "company", "--email", USER, "--json"], { env: { ...env(), MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(2);
    expect(JSON.stringify(r.json())).toMatch(/--type|--host/);
    expect(dns.queries.length).toBe(queries);
  });

  it("without a terminal, --discover fills in the missing server flags from trusted results", async () => {
    const r = await runCli(["setup", "company", "--discover", "--email", USER, "--ca", rig.caFile, "--json"], { env: { ...env(), MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json()).toMatchObject({ validated: true, profile: { host: "127.0.0.1", port: rig.starttls.port, security: "starttls" } });

    const untrusted = await runCli(["setup", "company", "--discover", "--email", "sales@plain.test", "--json"], { env: { ...env(), MAILCFG_PASSWORD: PASSWORD } });
    expect(untrusted.code).toBe(2);
    expect(JSON.stringify(untrusted.json())).toMatch(/not trusted/);
  });
});
