import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { runCli, tempConfig } from "../helpers/cli.js";
import { startLocalDns, type LocalDns } from "../helpers/local-dns.js";
import { clientConfig, discoveryEnv, startAutoconfigServers, type AutoconfigServers } from "../helpers/autoconfig-server.js";

const LOOPBACK = { A: ["127.0.0.1"] };

/** The names the local DNS server knows: every web name points at the fake servers on 127.0.0.1. */
const ZONE = {
  "autoconfig.auto.test": LOOPBACK,
  "wellknown.test": LOOPBACK,
  "autoconfig.wellknown.test": LOOPBACK,
  "autoconfig.plain.test": LOOPBACK,
  "autoconfig.redirect.test": LOOPBACK,
  "autoconfig.both.test": LOOPBACK,
  "autoconfig.slow.test": LOOPBACK,
  "autoconfig.hangs.test": LOOPBACK,
  "m365.test": { MX: [{ priority: 10, exchange: "m365-test.mail.protection.outlook.com" }] },
  "workspace.test": { MX: [{ priority: 5, exchange: "aspmx.l.google.com" }, { priority: 10, exchange: "alt1.aspmx.l.google.com" }] },
  "ovhcustomer.test": { MX: [{ priority: 1, exchange: "mx1.ovh.net" }] },
  "srv.test": {},
  "_submissions._tcp.srv.test": { SRV: [{ priority: 0, weight: 1, port: 465, target: "mail.srv.test" }] },
  "_submission._tcp.srv.test": { SRV: [{ priority: 0, weight: 1, port: 587, target: "mail.srv.test" }] },
  "_submission._tcp.starttls.test": { SRV: [{ priority: 0, weight: 1, port: 587, target: "smtp.starttls.test" }] },
  "_submissions._tcp.elsewhere.test": { SRV: [{ priority: 0, weight: 1, port: 465, target: "smtp.hoster.test" }] },
  "gateway.test": { MX: [{ priority: 10, exchange: "in.mailfilter.test" }] },
  "_submissions._tcp.both.test": { SRV: [{ priority: 0, weight: 1, port: 465, target: "mail.both.test" }] },
  "_submissions._tcp.slow.test": { SRV: [{ priority: 0, weight: 1, port: 465, target: "mail.slow.test" }] },
};

describe("mailcfg discover, against a local DNS server and local https/http servers", () => {
  const ca = new ThrowawayCa();
  const tmp = tempConfig("mailcfg-discover-");
  const caFile = join(tmp.dir, "ca.pem");
  writeFileSync(caFile, ca.cert);
  let dns: LocalDns;
  let web: AutoconfigServers;

  beforeAll(async () => {
    // MX look-ups of hangs.test are never answered: a resolver that hangs.
    dns = await startLocalDns(ZONE, { ignore: (q) => q === "MX hangs.test" });
    web = await startAutoconfigServers(ca, Object.keys(ZONE).filter((n) => !n.startsWith("_")), {
      "https://autoconfig.auto.test/mail/config-v1.1.xml": { xml: clientConfig("auto.test", [{ host: "smtp.auto.test", port: 465, socket: "SSL" }]) },
      "https://wellknown.test/.well-known/autoconfig/mail/config-v1.1.xml": {
        xml: clientConfig("wellknown.test", [{ host: "mail.%EMAILDOMAIN%", port: 587, socket: "STARTTLS", username: "%EMAILLOCALPART%" }]),
      },
      "http://autoconfig.plain.test/mail/config-v1.1.xml": { xml: clientConfig("plain.test", [{ host: "smtp.plain.test", port: 587, socket: "STARTTLS" }]) },
      "https://autoconfig.redirect.test/mail/config-v1.1.xml": { redirect: "http://autoconfig.redirect.test/config.xml" },
      "http://autoconfig.redirect.test/config.xml": { xml: clientConfig("redirect.test", [{ host: "smtp.redirect.test", port: 465, socket: "SSL" }]) },
      "https://autoconfig.both.test/mail/config-v1.1.xml": { xml: clientConfig("both.test", [{ host: "smtp.both.test", port: 587, socket: "STARTTLS" }]) },
      "https://autoconfig.slow.test/mail/config-v1.1.xml": "hang",
      "https://autoconfig.hangs.test/mail/config-v1.1.xml": "hang",
      // The Microsoft tenant probe: gateway.test is a tenant, every other domain is not.
      "http://127.0.0.1/gateway.test/v2.0/.well-known/openid-configuration": {
        json: { issuer: "https://login.microsoftonline.com/00000000-0000-0000-0000-00000000c0de/v2.0", token_endpoint: "https://login.microsoftonline.com/x/oauth2/v2.0/token" },
      },
    });
  });
  afterAll(async () => {
    await Promise.all([dns.close(), web.close()]);
    tmp.remove();
  });

  const env = () => discoveryEnv(dns.server, web, caFile);
  const discover = async (address: string, ...more: string[]) => {
    const r = await runCli(["discover", address, "--json", ...more], { dir: tmp.dir, env: env() });
    return { ...r, doc: r.json<Record<string, unknown> & { settings: Record<string, unknown> | null; candidates: Array<Record<string, unknown>>; lookups: Array<Record<string, unknown>> }>() };
  };

  it("a built-in provider answers without the network: Gmail, the Google sign-in first, then SMTP with an App Password", async () => {
    const before = dns.queries.length;
    const before2 = web.requests.length;
    const { code, doc } = await discover("alice@gmail.com");
    expect(code).toBe(0);
    expect(doc).toEqual({
      ok: true,
      address: "alice@gmail.com",
      settings: { type: "gmail", host: "gmail.googleapis.com", port: 443, security: "tls", username: "alice@gmail.com", auth: "oauth2-google", source: "preset", trusted: true },
      candidates: [
        { type: "gmail", host: "gmail.googleapis.com", port: 443, security: "tls", username: "alice@gmail.com", auth: "oauth2-google", source: "preset", trusted: true },
        { type: "webmail", host: "smtp.gmail.com", port: 587, security: "starttls", username: "alice@gmail.com", auth: "password", source: "preset", trusted: true },
      ],
      provider: "Gmail",
      lookups: [{ source: "preset", target: "gmail.com", ok: true, ms: expect.any(Number) }],
    });
    expect(Object.keys(doc.settings ?? {})).toEqual(["type", "host", "port", "security", "username", "auth", "source", "trusted"]);
    expect(dns.queries.length).toBe(before);
    expect(web.requests.length).toBe(before2);
  });

  it("the vendored ISP database answers without the network, with the provider's login name form", async () => {
    const before = dns.queries.length;
    const { code, doc } = await discover("bob@web.de");
    expect(code).toBe(0);
    expect(doc.settings).toEqual({ type: "webmail", host: "smtp.web.de", port: 465, security: "tls", username: "bob", auth: "password", source: "ispdb", trusted: true });
    expect(doc.provider).toBe("WEB.DE Freemail");
    expect(doc.lookups.map((l) => [l.source, l.ok])).toEqual([["preset", false], ["ispdb", true]]);
    expect(dns.queries.length).toBe(before);
  });

  it("the domain's https autoconfig (autoconfig.<domain>) is trusted", async () => {
    const { code, doc } = await discover("carol@auto.test");
    expect(code).toBe(0);
    expect(doc.settings).toEqual({ type: "webmail", host: "smtp.auto.test", port: 465, security: "tls", username: "carol@auto.test", auth: "password", source: "autoconfig-https", trusted: true });
    expect(doc.provider).toBe("auto.test mail");
    expect(doc.lookups[2]).toMatchObject({ source: "autoconfig-https", target: "https://autoconfig.auto.test/mail/config-v1.1.xml", ok: true });
  });

  it("then <domain>/.well-known/autoconfig, with %EMAILDOMAIN% and %EMAILLOCALPART% filled in", async () => {
    const { code, doc } = await discover("dave@wellknown.test");
    expect(code).toBe(0);
    expect(doc.settings).toMatchObject({ host: "mail.wellknown.test", port: 587, security: "starttls", username: "dave", source: "autoconfig-https", trusted: true });
  });

  it("plain http autoconfig is the last resort, and not trusted", async () => {
    const { code, doc } = await discover("erin@plain.test");
    expect(code).toBe(0);
    expect(doc.settings).toMatchObject({ host: "smtp.plain.test", source: "autoconfig-http", trusted: false });
    const https = doc.lookups.filter((l) => l.source === "autoconfig-https");
    expect(https.every((l) => l.ok === false)).toBe(true);
  });

  it("an https autoconfig that redirects through plain http is not trusted", async () => {
    const { code, doc } = await discover("frank@redirect.test");
    expect(code).toBe(0);
    expect(doc.settings).toMatchObject({ host: "smtp.redirect.test", port: 465, source: "autoconfig-https", trusted: false });
  });

  it("MX at Microsoft 365: the OAuth route (connect-microsoft) first, then the password route", async () => {
    const { code, doc } = await discover("gina@m365.test");
    expect(code).toBe(0);
    expect(doc.provider).toBe("Microsoft 365");
    expect(doc.candidates.map((c) => [c.host, c.auth, c.source])).toEqual([
      ["smtp.office365.com", "oauth2-microsoft", "mx"],
      ["smtp.office365.com", "password", "mx"],
    ]);
    const human = await runCli(["discover", "gina@m365.test"], { dir: tmp.dir, env: env() });
    expect(human.stdout).toContain("mailcfg connect-microsoft company");
    expect(human.stdout).toMatch(/MC786329/);
  });

  it("MX at Google (aspmx.l.google.com): Google Workspace, connect-gmail first", async () => {
    const { doc } = await discover("hal@workspace.test");
    expect(doc.provider).toBe("Google Workspace");
    expect(doc.settings).toMatchObject({ type: "gmail", auth: "oauth2-google", source: "mx" });
    expect(doc.candidates[1]).toMatchObject({ type: "webmail", host: "smtp.gmail.com", auth: "password" });
  });

  it("MX whose domain is in the ISP database (mx1.ovh.net -> ovh.net)", async () => {
    const { doc } = await discover("ivy@ovhcustomer.test");
    expect(doc.settings).toMatchObject({ source: "mx", trusted: true });
    expect(String(doc.settings?.host)).toMatch(/ovh/);
  });

  it("SRV: _submissions (implicit TLS) before _submission (STARTTLS)", async () => {
    const { doc } = await discover("jo@srv.test");
    expect(doc.candidates.map((c) => [c.host, c.port, c.security, c.source, c.trusted])).toEqual([
      ["mail.srv.test", 465, "tls", "srv", true],
      ["mail.srv.test", 587, "starttls", "srv", true],
    ]);
    const only = await discover("kim@starttls.test");
    expect(only.doc.settings).toMatchObject({ host: "smtp.starttls.test", port: 587, security: "starttls", source: "srv" });
  });

  it("SRV naming a host outside the address's domain is not trusted", async () => {
    const { doc } = await discover("lee@elsewhere.test");
    expect(doc.settings).toMatchObject({ host: "smtp.hoster.test", source: "srv", trusted: false });
  });

  it("Microsoft 365 behind a mail gateway: the tenant look-up answers, connect-microsoft is suggested", async () => {
    const { code, doc } = await discover("max@gateway.test");
    expect(code).toBe(0);
    expect(doc.provider).toBe("Microsoft 365");
    expect(doc.settings).toMatchObject({ host: "smtp.office365.com", auth: "oauth2-microsoft", source: "microsoft-tenant", trusted: true });
    expect(doc.lookups.find((l) => l.source === "mx")).toMatchObject({ ok: false, error: expect.stringMatching(/in\.mailfilter\.test/) });
  });

  it("the highest-priority success wins: https autoconfig over SRV, both kept as candidates", async () => {
    const { doc } = await discover("ned@both.test");
    expect(doc.candidates.map((c) => c.source)).toEqual(["autoconfig-https", "srv"]);
  });

  it("nothing found: settings null, exit 7, every look-up listed with its error", async () => {
    const { code, doc } = await discover("olga@unknown.test");
    expect(code).toBe(7);
    expect(doc).toMatchObject({ ok: false, address: "olga@unknown.test", settings: null, candidates: [], provider: null });
    expect(doc.lookups.map((l) => l.source)).toEqual(["preset", "ispdb", "autoconfig-https", "autoconfig-https", "mx", "srv", "srv", "microsoft-tenant", "autoconfig-http", "autoconfig-http"]);
    expect(doc.lookups.every((l) => l.ok === false && typeof l.error === "string" && typeof l.ms === "number")).toBe(true);
  });

  it("a look-up that hangs does not delay the answer past the time limit", async () => {
    // https autoconfig of slow.test never answers; its SRV does: the answer comes at the limit, from SRV.
    let started = performance.now();
    const slow = await discover("pia@slow.test", "--timeout", "1");
    let elapsed = performance.now() - started;
    expect(slow.code).toBe(0);
    expect(elapsed).toBeLessThan(1000 + 400);
    expect(slow.doc.settings).toMatchObject({ host: "mail.slow.test", source: "srv" });
    expect(slow.doc.lookups.find((l) => l.source === "autoconfig-https")).toMatchObject({ ok: false, error: "timed out after 1 s" });

    // The MX query of hangs.test is never answered, and its https autoconfig hangs too.
    started = performance.now();
    const hangs = await discover("quinn@hangs.test", "--timeout", "0.8");
    elapsed = performance.now() - started;
    expect(hangs.code).toBe(7);
    expect(elapsed).toBeLessThan(800 + 400);
  });

  it("a bad address is a usage error (exit 2)", async () => {
    const r = await runCli(["discover", "not-an-address", "--json"], { dir: tmp.dir, env: env() });
    expect(r.code).toBe(2);
    expect(r.json<{ error: { category: string } }>().error.category).toBe("usage");
  });

  it("the test-rig resolver must be on this machine", async () => {
    const r = await runCli(["discover", "a@b.test", "--json"], { dir: tmp.dir, env: { ...env(), MAILCFG_DNS_SERVERS: "8.8.8.8:53" } });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/MAILCFG_DNS_SERVERS/);
  });
});
