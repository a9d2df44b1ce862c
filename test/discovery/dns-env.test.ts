import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempConfig } from "../helpers/cli.js";
import { startLocalDns, type LocalDns } from "../helpers/local-dns.js";

describe("MAILCFG_DNS_SERVERS: the test rig's resolver, for discovery and diagnose", () => {
  const tmp = tempConfig("mailcfg-dns-env-");
  let dns: LocalDns;
  beforeAll(async () => {
    dns = await startLocalDns({ "smtp.rig.test": { A: ["127.0.0.1"] }, "rig.test": { MX: [{ priority: 10, exchange: "rig-test.mail.protection.outlook.com" }] },
      // A documentation address (TEST-NET-1): never reached, the port override is for loopback only.
      "autoconfig.far.test": { A: ["192.0.2.1"] },
    });
  });
  afterAll(async () => {
    await dns.close();
    tmp.remove();
  });

  it("diagnose resolves through it when no --dns-server is given", async () => {
    const r = await runCli(["diagnose", "--type", "webmail", "--host", "smtp.rig.test", "--port", "1", "--security", "starttls", "--email", "a@rig.test", "--stop-after", "dns", "--json"], { dir: tmp.dir, env: {
      MAILCFG_DNS_SERVERS: dns.server,
      MAILCFG_PASSWORD: "fake-password-1",
    } });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json<{ stages: Array<{ stage: string; summary: string }> }>().stages[0]).toMatchObject({ stage: "dns", summary: expect.stringMatching(/^smtp\.rig\.test -> 127\.0\.0\.1; MX of rig\.test/) });
    expect(dns.queries).toEqual(expect.arrayContaining(["A smtp.rig.test", "MX rig.test"]));
  });

  it.each([
    ["8.8.8.8:53", /not on this machine/],
    ["dns.example:53", /not an IP address/],
  ])("refuses %s (exit 2)", async (value, why) => {
    const r = await runCli(["discover", "a@rig.test", "--json"], { dir: tmp.dir, env: { MAILCFG_DNS_SERVERS: value } });
    expect(r.code).toBe(2);
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(why);
  });

  it("the discovery port overrides are used for loopback addresses only", async () => {
    const r = await runCli(["discover", "a@far.test", "--json", "--timeout", "2"], { dir: tmp.dir, env: { MAILCFG_DNS_SERVERS: dns.server, MAILCFG_DISCOVERY_HTTPS_PORT: "8443" } });
    const lookups = r.json<{ lookups: Array<{ target: string; error?: string }> }>().lookups;
    expect(lookups.find((l) => l.target === "https://autoconfig.far.test/mail/config-v1.1.xml")?.error).toMatch(/autoconfig\.far\.test is not on this machine/);
  });

  it("the discovery ports must be port numbers (exit 2)", async () => {
    const r = await runCli(["discover", "a@rig.test", "--json"], { dir: tmp.dir, env: { MAILCFG_DISCOVERY_HTTPS_PORT: "https" } });
    expect(r.code).toBe(2);
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(/MAILCFG_DISCOVERY_HTTPS_PORT/);
  });
});
