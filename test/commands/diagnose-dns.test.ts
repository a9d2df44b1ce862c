import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { startSmtpServer, type RunningSmtpServer } from "../../src/sandbox/server.js";
import { runCli, tempDir, testContext } from "../helpers/cli.js";
import { secretKey } from "../../src/config/types.js";
import { startLocalDns, type LocalDns } from "../helpers/local-dns.js";

const PASSWORD = "fake-password-123";

describe("the DNS stage, against a DNS server on 127.0.0.1", () => {
  const ca = new ThrowawayCa();
  const dir = tempDir("mailcfg-diag-dns-");
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.cert);
  let dns: LocalDns;
  let smtp: RunningSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer({ tls: ca.issue({ names: ["smtp.acme.test"] }), users: { "sales@acme.test": PASSWORD } });
    dns = await startLocalDns({
      "smtp.acme.test": { A: ["127.0.0.1"] },
      // Resolved here, on the local DNS server, so no traffic leaves the machine.
      "smtp.office365.com": { A: ["127.0.0.1"] },
      "acme.test": { MX: [{ priority: 10, exchange: "acme-test.mail.protection.outlook.com" }] },
      "_submission._tcp.acme.test": { SRV: [{ priority: 0, weight: 1, port: 587, target: "smtp.acme.test" }] },
    });
  });
  afterAll(async () => {
    await Promise.all([dns.close(), smtp.close()]);
  });

  const argv = (host: string) => ["diagnose", "--type", "webmail", "--host", host, "--port", String(smtp.port), "--security", "starttls", "--email", "sales@acme.test", "--ca", caFile, "--dns-server", dns.server, "--stop-after", "tls", "--json"];

  it("resolves the host, reads the email domain's MX and SRV, and warns when the MX points elsewhere", async () => {
    const r = await runCli(argv("smtp.acme.test"), { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(0);
    const stages = JSON.parse(r.stdout).stages;
    const dnsStage = stages[0];
    expect(dnsStage).toMatchObject({ stage: "dns", status: "passed" });
    expect(dnsStage.summary).toBe("smtp.acme.test -> 127.0.0.1; MX of acme.test: acme-test.mail.protection.outlook.com; submission SRV: smtp.acme.test:587 (STARTTLS)");
    expect(dnsStage.warnings).toEqual([
      "acme.test's mail is handled by Microsoft 365 (MX acme-test.mail.protection.outlook.com), whose submission server is smtp.office365.com, but the server set here is smtp.acme.test",
    ]);
    // The certificate is checked against the name, though the connection went to the address.
    expect(stages.find((s: { stage: string }) => s.stage === "tls").details).toMatchObject({ nameMatches: true, trusted: true });
    expect(dns.queries).toEqual(expect.arrayContaining(["A smtp.acme.test", "MX acme.test", "SRV _submission._tcp.acme.test"]));
  });

  it("a name that does not resolve fails at dns with category server, and suggests the likely host", async () => {
    const r = await runCli(argv("smtp.gmial.com"), { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(doc.failure).toMatchObject({ stage: "dns", category: "server", rowId: "dns-not-found", code: "ENOTFOUND" });
    expect(doc.findings).toEqual(["smtp.gmial.com does not resolve; did you mean smtp.gmail.com?"]);
    expect(doc.stages.slice(1).every((s: { status: string }) => s.status === "skipped")).toBe(true);
  });

  it("marks a saved Microsoft 365 profile still on a password, with the command that moves it to OAuth", async () => {
    const configDir = tempDir();
    const now = new Date().toISOString();
    const ctx = testContext({ dir: configDir }).ctx;
    (await ctx.config()).saveProfile(
      { kind: "user", id: "jdoe" },
      { type: "webmail", host: "smtp.office365.com", port: smtp.port, security: "starttls", auth: "password", email: "sales@acme.test", createdAt: now, updatedAt: now },
    );
    await (await ctx.secrets()).set(secretKey({ kind: "user", id: "jdoe" }, "password"), PASSWORD);
    const args = ["diagnose", "user", "jdoe", "--dns-server", dns.server, "--stop-after", "tcp"];
    const json = await runCli([...args, "--json"], { dir: configDir });
    expect(JSON.parse(json.stdout).notes).toEqual([expect.stringMatching(/basic authentication, disabled by default from the end of December 2026.*mailcfg connect-microsoft user jdoe --via graph \(or SMTP with OAuth: mailcfg connect-microsoft user jdoe --via smtp\)$/)]);
    const human = await runCli(args, { dir: configDir });
    expect(human.stdout).toMatch(/note: Microsoft 365 with a password: .*mailcfg connect-microsoft user jdoe/);
  });

  it("refuses a DNS server that is not an IP address (exit 2)", async () => {
    const r = await runCli(["diagnose", "--type", "webmail", "--host", "smtp.acme.test", "--email", "sales@acme.test", "--dns-server", "dns.example", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/--dns-server: "dns.example" is not an IP address/);
  });
});
