import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.js";
import { DEFAULT_EWS_URL } from "../../src/config/exchange-fields.js";
import { exchangeFlow } from "../../src/senders/exchange.js";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { startFakeEws, type FakeEws, type FakeEwsOptions } from "../helpers/fake-ews.js";
import { TempConfig } from "../helpers/cli.js";
import { scriptedPrompter } from "../helpers/scripted-prompter.js";

const PASSWORD = "fake-password-123";
const USERS: FakeEwsOptions["users"] = {
  "acme.com\\jdoe": { password: PASSWORD, mailbox: "jdoe@acme.com", sendAs: ["sales@acme.com"] },
  "jdoe@acme.com": { password: PASSWORD, mailbox: "jdoe@acme.com", sendAs: ["sales@acme.com"] },
  "acme.com\\nobox": { password: PASSWORD },
  "acme.com\\blocked": { password: PASSWORD, mailbox: "blocked@acme.com", accessDenied: true },
};

let server: FakeEws;
let cfg: TempConfig;

beforeEach(async () => {
  server = await startFakeEws({ users: USERS });
  cfg = new TempConfig();
});
afterEach(async () => {
  await server.close();
  cfg.remove();
});

function flags(over: Record<string, string> = {}): string[] {
  const values: Record<string, string> = {
    "--ews-url": server.url,
    "--domain": "acme.com",
    "--username": "jdoe",
    "--email": "sales@acme.com",
    ...over,
  };
  return Object.entries(values).flatMap(([k, v]) => [k, v]);
}

const withPassword = (password = PASSWORD) => ({ env: { MAILCFG_PASSWORD: password } });

async function savedProfile(owner: { kind: "company" } | { kind: "user"; id: string } = { kind: "company" }) {
  return (await ConfigStore.open(cfg.dir)).getProfile(owner);
}

describe("mailcfg setup --type exchange (flags, no terminal)", () => {
  it("validates with a test mail, then saves the profile; the password goes to the secret store only", async () => {
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags(), "--json"], withPassword());
    expect(r.code).toBe(0);
    expect(r.json().ok).toBe(true);
    expect(r.json().validated).toBe(true);

    expect(server.received.map((q) => q.operation)).toEqual(["GetFolder", "CreateItem"]);
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]?.to).toEqual(["sales@acme.com"]);
    expect(server.sent[0]?.subject).toContain("mailcfg test mail");

    const p = await savedProfile();
    expect(p).toMatchObject({ type: "exchange", ewsUrl: server.url, domain: "acme.com", username: "jdoe", email: "sales@acme.com" });
    expect(p?.validation).toMatchObject({ ok: true, method: "test-mail", to: "sales@acme.com" });
    expect(cfg.configText()).not.toContain(PASSWORD);
    expect(cfg.secretsText()).toContain(PASSWORD);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it("reads the password from --password-stdin and can send the UPN form", async () => {
    const r = await cfg.run(["setup", "user", "jdoe", ...flags({ "--ews-url": server.url, "--login-form": "upn" }), "--password-stdin", "--json"], {
      stdin: PASSWORD + "\n",
    });
    expect(r.code).toBe(0);
    expect(server.received[0]?.login).toBe("jdoe@acme.com");
    expect(await savedProfile({ kind: "user", id: "jdoe" })).toMatchObject({ type: "exchange", loginForm: "upn" });
  });

  it.each([
    ["wrong password", {}, "wrong-password-456", 3, "auth", "HTTP 401"],
    ["send-as refused", { "--email": "boss@acme.com" }, PASSWORD, 6, "rejected", "ErrorSendAsDenied"],
    ["no mailbox", { "--username": "nobox" }, PASSWORD, 6, "rejected", "ErrorNonExistentMailbox"],
    ["access denied", { "--username": "blocked", "--email": "blocked@acme.com" }, PASSWORD, 3, "auth", "ErrorAccessDenied"],
  ])("%s: exit %i (%s), and nothing is saved", async (_name, over, password, exit, category, code) => {
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags(over), "--json"], withPassword(password));
    expect(r.code).toBe(exit);
    expect(r.json().ok).toBe(false);
    expect(r.json().error?.category).toBe(category);
    expect(r.json().error?.code).toBe(code);
    if (code.startsWith("Error")) {
      expect(r.json().error?.evidence).toContain(`ResponseCode ${code}`);
      expect(r.json().error?.evidence).toContain("MessageText");
    }
    expect(await savedProfile()).toBeUndefined();
    expect(cfg.secretsText()).not.toContain(password);
    expect(r.stdout).not.toContain(password);
  });

  it("a server that stalls is server (exit 4) after a short --timeout", async () => {
    server.options.stall = true;
    const started = Date.now();
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags(), "--timeout", "0.5", "--json"], withPassword());
    expect(r.code).toBe(4);
    expect(r.json().error?.category).toBe("server");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await savedProfile()).toBeUndefined();
  });

  it("refuses a domain not in the form company.com (exit 2, category domain) before any connection", async () => {
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags({ "--domain": "jdoe@acme.com" }), "--json"], withPassword());
    expect(r.code).toBe(2);
    expect(r.json().error?.category).toBe("domain");
    expect(r.json().error?.message).toContain('"jdoe@acme.com"');
    expect(r.json().error?.message).toContain("company.com");
    expect(r.json().error?.hint).toBe("Use --domain acme.com.");
    expect(server.received).toEqual([]);
    expect(await savedProfile()).toBeUndefined();
  });

  it.each([
    ["COMPANY\\jdoe"],
    ["company"],
    ["https://company.com"],
    ["@company.com"],
    ["company.com/"],
  ])("refuses --domain %j with exit 2", async (domain) => {
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags({ "--domain": domain })], withPassword());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("[domain]");
    expect(r.stderr).toContain(`"${domain}"`);
    expect(server.received).toEqual([]);
  });

  it("refuses plain http to another computer (exit 2) and keeps a saved profile untouched", async () => {
    await cfg.run(["setup", "company", "--type", "exchange", ...flags()], withPassword());
    const before = cfg.configText();
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags({ "--ews-url": "http://mail.acme.com/EWS/Exchange.asmx" }), "--json"], withPassword());
    expect(r.code).toBe(2);
    expect(r.json().error?.category).toBe("usage");
    expect(r.json().error?.hint).toContain("https://mail.acme.com/EWS/Exchange.asmx");
    expect(cfg.configText()).toBe(before);
  });

  it.each([
    [{ "--username": "ACME\\jdoe" }, "includes the domain", "--username jdoe"],
    [{ "--username": "jdoe@acme.com", "--login-form": "domain" }, "already a UPN", "drop --login-form"],
    [{ "--login-form": "kerberos" }, "not one of domain, upn", "upn sends"],
  ])("refuses %j (exit 2) before any connection", async (over, words, fix) => {
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags(over), "--json"], withPassword());
    expect(r.code).toBe(2);
    expect(r.json().error?.category).toBe("usage");
    expect(r.json().error?.message).toContain(words);
    expect(r.json().error?.hint).toContain(fix);
    expect(server.received).toEqual([]);
  });

  it("names the missing flag when there is no terminal", async () => {
    const r = await cfg.run(["setup", "company", "--type", "exchange", "--email", "sales@acme.com", "--json"], withPassword());
    expect(r.code).toBe(2);
    expect(r.json().error?.message).toContain("--ews-url");
  });

  it("warns, without refusing, about a URL that does not end in /EWS/Exchange.asmx", async () => {
    const url = server.url.replace("/EWS/Exchange.asmx", "/ews/");
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags({ "--ews-url": url }), "--no-validate"], withPassword());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("does not end in /EWS/Exchange.asmx");
    expect((await savedProfile())?.type).toBe("exchange");
  });
});

describe("the Exchange Online warning", () => {
  it("is one of the flow's warnings for Exchange Online URLs only", () => {
    const base = { type: "exchange" as const, email: "a@acme.com", domain: "acme.com", username: "a" };
    const [w] = exchangeFlow.warnings!({ ...base, ewsUrl: DEFAULT_EWS_URL });
    expect(w).toContain("October 2022");
    expect(w).toContain("2026-10-01");
    expect(w).toContain("2027-04-01");
    expect(w).toContain("401");
    expect(w).toContain("Webmail");
    expect(w).toContain("on-premises");
    expect(exchangeFlow.warnings!({ ...base, ewsUrl: "https://mail.acme.com/EWS/Exchange.asmx" })).toEqual([]);
  });

  it("is printed by setup before trying (here with --no-validate: no traffic leaves this computer)", async () => {
    const r = await cfg.run(["setup", "company", "--type", "exchange", ...flags({ "--ews-url": DEFAULT_EWS_URL }), "--no-validate"], withPassword());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("outlook.office365.com is Exchange Online");
    expect(r.stderr).toContain("2027-04-01");
  });

  it("is printed by validate before trying a saved Exchange Online profile", async () => {
    // A profile saved without a password: validate warns, then stops before connecting.
    const store = await ConfigStore.open(cfg.dir);
    const now = new Date().toISOString();
    store.saveProfile({ kind: "company" }, { type: "exchange", email: "a@acme.com", ewsUrl: DEFAULT_EWS_URL, domain: "acme.com", username: "a", createdAt: now, updatedAt: now });
    const r = await cfg.run(["validate", "company", "--json"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("outlook.office365.com is Exchange Online");
    expect(r.stderr.indexOf("Exchange Online")).toBeGreaterThanOrEqual(0);
  });
});

describe("mailcfg validate for exchange", () => {
  it("validates a saved profile with a test mail, and --no-send uses only the read-only call", async () => {
    await cfg.run(["setup", "company", "--type", "exchange", ...flags()], withPassword());
    server.received.length = 0;
    server.sent.length = 0;

    const full = await cfg.run(["validate", "company", "--json"]);
    expect(full.code).toBe(0);
    expect(server.received.map((q) => q.operation)).toEqual(["GetFolder", "CreateItem"]);
    expect(server.sent).toHaveLength(1);

    server.received.length = 0;
    const loginOnly = await cfg.run(["validate", "company", "--no-send", "--json"]);
    expect(loginOnly.code).toBe(0);
    expect(server.received.map((q) => q.operation)).toEqual(["GetFolder"]);
    expect(server.sent).toHaveLength(1);
    expect((await savedProfile())?.validation).toMatchObject({ ok: true, method: "login" });
  });

  it("records a failure on the saved profile and exits with its category", async () => {
    await cfg.run(["setup", "company", "--type", "exchange", ...flags()], withPassword());
    server.options.users = { ...USERS, "acme.com\\jdoe": { ...USERS["acme.com\\jdoe"]!, password: "changed-password-789" } };
    const r = await cfg.run(["validate", "company", "--json"]);
    expect(r.code).toBe(3);
    expect((await savedProfile())?.validation).toMatchObject({ ok: false, category: "auth" });
  });

  it("validates ad hoc settings and saves nothing", async () => {
    const r = await cfg.run(["validate", "--type", "exchange", ...flags(), "--no-send", "--json"], withPassword());
    expect(r.code).toBe(0);
    expect(r.json().saved).toBe(false);
    expect(server.received.map((q) => q.operation)).toEqual(["GetFolder"]);
    expect(await savedProfile()).toBeUndefined();
    expect(cfg.secretsText()).not.toContain(PASSWORD);
  });

  it("trusts a private CA given with --ca", async () => {
    await server.close();
    const ca = new ThrowawayCa();
    server = await startFakeEws({ users: USERS, tls: ca.issue() });
    const caFile = join(cfg.dir, "ca.pem");
    writeFileSync(caFile, ca.cert);
    const untrusted = await cfg.run(["validate", "--type", "exchange", ...flags(), "--no-send", "--json"], withPassword());
    expect(untrusted.code).toBe(5);
    expect(untrusted.json().error?.category).toBe("ssl");
    const trusted = await cfg.run(["validate", "--type", "exchange", ...flags(), "--no-send", "--ca", caFile, "--json"], withPassword());
    expect(trusted.code).toBe(0);
  });
});

describe("status shows exchange profiles", () => {
  it("lists the EWS URL and the sign-in name", async () => {
    await cfg.run(["setup", "company", "--type", "exchange", ...flags()], withPassword());
    const r = await cfg.run(["status"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Company Email: exchange sales@acme.com via ${server.url}`);
    expect(r.stdout).toContain("signs in as acme.com\\jdoe");
    expect(r.stdout).toContain("passed");
    const j = await cfg.run(["status", "--json"]);
    const profiles = j.json().profiles as Array<{ type: string; server: string }>;
    expect(profiles[0]).toMatchObject({ type: "exchange", server: server.url });
  });

  it("notes the EWS shutdown on an Exchange Online profile", async () => {
    await cfg.run(["setup", "company", "--type", "exchange", ...flags({ "--ews-url": DEFAULT_EWS_URL }), "--no-validate"], withPassword());
    const r = await cfg.run(["status"]);
    expect(r.stdout).toContain("Exchange Online no longer accepts passwords over EWS");
  });
});

describe("the setup wizard for exchange", () => {
  it("offers the product's default URL, checks the domain as typed, and retries without retyping", async () => {
    const prompt = scriptedPrompter([
      ["Email Service Type", "exchange"],
      [
        "Exchange URI",
        (q) => {
          expect(q.default).toBe(DEFAULT_EWS_URL);
          return server.url;
        },
      ],
      ["Email address", "sales@acme.com"],
      [
        "Domain",
        (q) => {
          expect(q.default).toBe("acme.com");
          expect(q.validate?.("ACME\\jdoe")).toContain("not in the form company.com");
          expect(q.validate?.("jdoe@acme.com")).toContain("did you mean acme.com?");
          return "acme.com";
        },
      ],
      ["Username", "jdoe"],
      [
        "Sign in as",
        (q) => {
          expect(q.values).toEqual(["domain", "upn"]);
          return "domain";
        },
      ],
      ["Email Password", "wrong-password-456"],
      ["Display name", "Acme Sales"],
      ["Signature", ""],
      // The verdict's remedy (type the password again) is offered first; this test edits.
      ["Type the password again?", "edit"],
      ["CA certificate file", ""],
      // Second round: what was typed is offered again.
      [
        "Exchange URI",
        (q) => {
          expect(q.default).toBe(server.url);
          return server.url;
        },
      ],
      ["Email address", "sales@acme.com"],
      ["Domain", "acme.com"],
      ["Username", "jdoe"],
      ["Sign in as", "domain"],
      ["Keep the password you typed?", false],
      ["Email Password", PASSWORD],
    ]);
    const r = await cfg.run(["setup", "company", "--no-discover"], { terminal: true, prompt });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[auth]");
    expect(r.stderr).toContain("Signing in as acme.com\\jdoe (DOMAIN\\user form)");
    expect(r.stdout).toContain("Saved the Company Email");
    expect(server.received.map((q) => q.operation)).toEqual(["GetFolder", "GetFolder", "CreateItem"]);
    expect(await savedProfile()).toMatchObject({ type: "exchange", loginForm: "domain", username: "jdoe" });
  });

  it("says at once when the URL is Exchange Online", async () => {
    const prompt = scriptedPrompter([
      ["Exchange URI", DEFAULT_EWS_URL],
      ["Email address", "sales@acme.com"],
      ["Domain", "acme.com"],
      ["Username", "jdoe"],
      ["Sign in as", "domain"],
      ["Email Password", PASSWORD],
      ["Display name", "Acme Sales"],
      ["Signature", ""],
    ]);
    const r = await cfg.run(["setup", "company", "--type", "exchange", "--no-validate"], { terminal: true, prompt });
    expect(r.code).toBe(0);
    const note = r.stderr.indexOf("this is Exchange Online");
    expect(note).toBeGreaterThanOrEqual(0);
    // The short note comes right after the URL question; the full warning before validation.
    expect(r.stderr.indexOf("2027-04-01")).toBeGreaterThan(note);
  });
});
