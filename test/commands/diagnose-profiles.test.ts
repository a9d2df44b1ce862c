import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { startSmtpServer, type RunningSmtpServer } from "../../src/sandbox/server.js";
import { secretKey, type Profile } from "../../src/config/types.js";
import { MailError } from "../../src/errors.js";
import { probeExchange, probeGmail } from "../../src/diagnosis/probe-http.js";
import { Transcript } from "../../src/diagnosis/transcript.js";
import { runCli, tempDir, testContext } from "../helpers/cli.js";

const PASSWORD = "fake-password-123";
const ca = new ThrowawayCa();
const dir = tempDir("mailcfg-diag-profiles-");
const caFile = join(dir, "ca.pem");
writeFileSync(caFile, ca.cert);

async function saveProfile(configDir: string, owner: { kind: "company" } | { kind: "user"; id: string }, profile: Profile, secret: string) {
  const ctx = testContext({ dir: configDir }).ctx;
  (await ctx.config()).saveProfile(owner, profile);
  await (await ctx.secrets()).set(secretKey(owner, "password"), secret);
}

describe("diagnose a saved profile", () => {
  let server: RunningSmtpServer;
  const configDir = tempDir("mailcfg-diag-saved-");
  beforeAll(async () => {
    server = await startSmtpServer({ tls: ca.issue(), users: { "jdoe@acme.test": PASSWORD } });
    const now = new Date().toISOString();
    const base = { type: "webmail", host: "127.0.0.1", port: server.port, security: "starttls", createdAt: now, updatedAt: now } as const;
    await saveProfile(configDir, { kind: "user", id: "jdoe" }, { ...base, email: "jdoe@acme.test" }, PASSWORD);
    await saveProfile(configDir, { kind: "company" }, { ...base, email: "sales@acme.test" }, "stale-password-000");
  });
  afterAll(() => server.close());

  it("uses the saved settings and password", async () => {
    const r = await runCli(["diagnose", "user", "jdoe", "--ca", caFile, "--json"], { dir: configDir });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.owner).toEqual({ kind: "user", id: "jdoe" });
    expect(doc.profile).toBe(`jdoe@acme.test via 127.0.0.1:${server.port} (STARTTLS)`);
    expect(doc.stages.find((s: { stage: string }) => s.stage === "auth").status).toBe("passed");
  });

  it("names the sender in the command that checks again", async () => {
    const r = await runCli(["diagnose", "company", "--ca", caFile, "--json"], { dir: configDir });
    expect(r.code).toBe(3);
    // The --ca given on this run is kept in the command that checks again.
    expect(JSON.parse(r.stdout).failure.check).toBe(`mailcfg diagnose company --ca ${caFile} --stop-after auth`);
  });

  it("a sender that is not set up is 'not configured' (exit 7)", async () => {
    const r = await runCli(["diagnose", "user", "nobody", "--json"], { dir: configDir });
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error).toMatchObject({ category: "not-configured", next: "mailcfg setup user nobody" });
  });
});

describe("diagnose an Exchange (EWS) endpoint", () => {
  let basic: https.Server;
  let ntlmOnly: https.Server;
  const url = (s: https.Server) => `https://127.0.0.1:${(s.address() as AddressInfo).port}/EWS/Exchange.asmx`;
  const expected = "Basic " + Buffer.from(`company.com\\jdoe:${PASSWORD}`).toString("base64");

  beforeAll(async () => {
    const cert = ca.issue();
    basic = https.createServer(cert, (req, res) => {
      if (req.headers.authorization === expected) res.writeHead(200).end("EWS");
      else res.writeHead(401, { "WWW-Authenticate": 'Basic realm="mail.company.com"' }).end();
    });
    ntlmOnly = https.createServer(cert, (_req, res) => {
      res.writeHead(401, { "WWW-Authenticate": ["Negotiate", "NTLM"] }).end();
    });
    await Promise.all([basic, ntlmOnly].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
  });
  afterAll(async () => {
    await Promise.all([basic, ntlmOnly].map((s) => new Promise<void>((r) => s.close(() => r()))));
  });

  const exchange = (ewsUrl: string, domain = "company.com") => ["diagnose", "--type", "exchange", "--ews-url", ewsUrl, "--domain", domain, "--username", "jdoe", "--email", "jdoe@company.com", "--ca", caFile, "--stop-after", "http", "--json"];

  it("good credentials: settings, TCP, TLS and the HTTP status pass", async () => {
    const r = await runCli(exchange(url(basic)), { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(["settings:passed", "dns:skipped", "tcp:passed", "tls:passed", "http:passed", "ews:skipped"]);
    expect(doc.stages[4].summary).toMatch(/^HTTP 200 OK: the EWS URL answers and accepts the login company\.com\\jdoe/);
  });

  it("wrong password: HTTP 401 with Basic offered is an auth failure (exit 3)", async () => {
    const r = await runCli(exchange(url(basic)), { env: { MAILCFG_PASSWORD: "wrong-password-456" } });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).failure).toMatchObject({ stage: "http", category: "auth", rowId: "ews-unauthorized", provider: "Exchange Server" });
  });

  it("a server that takes only NTLM/Negotiate: the HTTP stage passes with a warning, the login is left to the EWS check", async () => {
    const r = await runCli(exchange(url(ntlmOnly)), { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(0);
    const http = JSON.parse(r.stdout).stages.find((s: { stage: string }) => s.stage === "http");
    expect(http.status).toBe("passed");
    expect(http.warnings[0]).toMatch(/Basic sign-in is not offered \(Negotiate, NTLM\)/);
  });

  it("a domain typed as DOMAIN\\user fails the settings stage with category domain (exit 2)", async () => {
    const r = await runCli(exchange(url(basic), "COMPANY\\jdoe"), { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.failure).toMatchObject({ stage: "settings", category: "domain", rowId: "exchange-domain-format" });
    expect(doc.failure.productMessage).toMatch(/format of "company\.com"/);
    expect(doc.stages.filter((s: { status: string }) => s.status === "skipped").length).toBe(5);
  });

  it("a provider error at the EWS read-only check is that stage's failure", async () => {
    const o = { timeoutMs: 2000, ca: [ca.cert], transcript: new Transcript([PASSWORD]), now: () => new Date() };
    const settings = { ewsUrl: url(basic), domain: "company.com", username: "jdoe", email: "jdoe@company.com" };
    const failed = await probeExchange(settings, PASSWORD, o, async () => {
      throw new MailError("rejected", "Exchange refused the mailbox", { code: "ErrorNonExistentMailbox", evidence: "ErrorNonExistentMailbox: The SMTP address has no mailbox associated with it." });
    });
    expect(failed.failure).toMatchObject({ stage: "ews", category: "rejected", cause: "Exchange refused the mailbox" });
  });
});

describe("diagnose Gmail's network path", () => {
  it("checks DNS, TCP and TLS of the token endpoint, then leaves the token refresh to the provider", async () => {
    const server = https.createServer(ca.issue(), (_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const report = await probeGmail(
        { timeoutMs: 2000, ca: [ca.cert], transcript: new Transcript([]), now: () => new Date(), stopAfter: "tls" },
        async () => {
          throw new Error("the api stage must not run after --stop-after tls");
        },
        { tokenUrl: `https://127.0.0.1:${port}/token` },
      );
      expect(report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(["dns:skipped", "tcp:passed", "tls:passed", "api:skipped"]);
      expect(report.failure).toBeUndefined();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
