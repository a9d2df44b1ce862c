import { afterEach, describe, expect, it } from "vitest";
import { MailError } from "../../src/errors.js";
import type { ExchangeSettings } from "../../src/config/types.js";
import { createProvider } from "../../src/providers/index.js";
import type { ConnectOptions } from "../../src/providers/types.js";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { errorToJson } from "../../src/ui/render.js";
import { startFakeEws, type FakeEws, type FakeEwsOptions } from "../helpers/fake-ews.js";

const PASSWORD = "fake-password-123";
const USERS: FakeEwsOptions["users"] = {
  "acme.com\\jdoe": { password: PASSWORD, mailbox: "jdoe@acme.com", sendAs: ["sales@acme.com"] },
  "jdoe@acme.com": { password: PASSWORD, mailbox: "jdoe@acme.com" },
  "acme.com\\nobox": { password: PASSWORD },
  "acme.com\\blocked": { password: PASSWORD, mailbox: "blocked@acme.com", accessDenied: true },
};

let server: FakeEws | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function settings(url: string, over: Partial<ExchangeSettings> = {}): ExchangeSettings {
  return { type: "exchange", email: "sales@acme.com", ewsUrl: url, domain: "acme.com", username: "jdoe", ...over };
}

async function provider(s: ExchangeSettings, secret = PASSWORD, options: Partial<ConnectOptions> = {}) {
  return createProvider({ settings: s, secret, options: { timeoutMs: 3000, ...options }, env: {} });
}

async function failure(p: Promise<unknown>): Promise<MailError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MailError);
    return err as MailError;
  }
  throw new Error("expected a failure");
}

describe("Exchange provider against a local EWS endpoint", () => {
  it("verify() signs in with a read-only GetFolder and sends nothing", async () => {
    server = await startFakeEws({ users: USERS });
    const p = await provider(settings(server.url));
    const evidence = await p.verify();
    expect(evidence.summary).toContain("acme.com\\jdoe");
    expect(evidence.summary).toContain("Inbox");
    expect(evidence.facts.serverVersion).toBe("15.2.1544.4");
    expect(server.received.map((r) => r.operation)).toEqual(["GetFolder"]);
    expect(server.received[0]?.login).toBe("acme.com\\jdoe");
    expect(server.sent).toEqual([]);
  });

  it("send() uses CreateItem with SendAndSaveCopy; subject and body with & and < arrive intact", async () => {
    server = await startFakeEws({ users: USERS });
    const p = await provider(settings(server.url));
    const sent = await p.send({
      to: ["buyer@example.com"],
      cc: ["cc@example.com"],
      bcc: ["audit@acme.com"],
      subject: "Fish & Chips <order 42> for R&D",
      text: "Total < 100 & > 50",
      headers: { "X-Document-Kind": "invoice" },
    });
    expect(server.sent).toHaveLength(1);
    const m = server.sent[0]!;
    expect(m.via).toBe("CreateItem");
    expect(m.savedToSentItems).toBe(true);
    expect(m.subject).toBe("Fish & Chips <order 42> for R&D");
    expect(m.body).toBe("Total < 100 & > 50");
    expect(m.bodyType).toBe("Text");
    expect(m.xml).toContain("<t:Subject>Fish &amp; Chips &lt;order 42&gt; for R&amp;D</t:Subject>");
    expect(m.xml).toContain('MessageDisposition="SendAndSaveCopy"');
    expect(m.from).toBe("sales@acme.com");
    expect(m.to).toEqual(["buyer@example.com"]);
    expect(m.cc).toEqual(["cc@example.com"]);
    expect(m.bcc).toEqual(["audit@acme.com"]);
    // No Message-ID given: Exchange assigns it, and mailcfg does not pretend to know it.
    expect(m.internetMessageId).toBeUndefined();
    expect(sent.messageId).toBe("");
    expect(m.xml).toContain('PropertyName="X-Document-Kind"');
    expect(sent.accepted).toEqual(["buyer@example.com", "cc@example.com", "audit@acme.com"]);
    expect(sent.response).toContain("SendAndSaveCopy");
  });

  it("sends an HTML body and attachments (draft, then SendItem with a copy in Sent Items)", async () => {
    server = await startFakeEws({ users: USERS });
    const p = await provider(settings(server.url));
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10]);
    await p.send({
      messageId: "<queue-7@acme.com>",
      to: ["buyer@example.com"],
      subject: "Invoice",
      text: "plain",
      html: "<p>Dear customer, <b>Smith & Sons</b></p>",
      attachments: [
        { filename: "invoice <1>.pdf", content: pdf, contentType: "application/pdf" },
        { filename: "notes.txt", content: "a & b" },
      ],
    });
    expect(server.received.map((r) => r.operation)).toEqual(["CreateItem", "SendItem"]);
    const m = server.sent[0]!;
    expect(m.via).toBe("SendItem");
    expect(m.savedToSentItems).toBe(true);
    expect(m.bodyType).toBe("HTML");
    expect(m.body).toBe("<p>Dear customer, <b>Smith & Sons</b></p>");
    expect(m.internetMessageId).toBe("<queue-7@acme.com>");
    expect(m.attachments.map((a) => a.name)).toEqual(["invoice <1>.pdf", "notes.txt"]);
    expect(m.attachments[0]?.content.equals(pdf)).toBe(true);
    expect(m.attachments[0]?.contentType).toBe("application/pdf");
    expect(m.attachments[1]?.content.toString()).toBe("a & b");
  });

  it("signs in with the UPN form when asked", async () => {
    server = await startFakeEws({ users: USERS });
    const p = await provider(settings(server.url, { loginForm: "upn", email: "jdoe@acme.com" }));
    await p.verify();
    expect(server.received[0]?.login).toBe("jdoe@acme.com");
  });

  it("a wrong password is auth (HTTP 401), with the on-premises explanation", async () => {
    server = await startFakeEws({ users: USERS });
    const e = await failure((await provider(settings(server.url), "wrong-password-456")).verify());
    expect(e.category).toBe("auth");
    expect(e.details.code).toBe("HTTP 401");
    expect(e.message).toContain("acme.com\\jdoe");
    expect(e.message).not.toContain("Exchange Online");
    expect(JSON.stringify(errorToJson(e))).not.toContain("wrong-password-456");
  });

  it.each([
    ["ErrorSendAsDenied", "acme.com\\jdoe", "boss@acme.com", "rejected"],
    ["ErrorNonExistentMailbox", "acme.com\\nobox", "sales@acme.com", "rejected"],
    ["ErrorAccessDenied", "acme.com\\blocked", "blocked@acme.com", "auth"],
  ])("%s from the server is %s, with ResponseCode and MessageText as evidence", async (code, login, email, category) => {
    server = await startFakeEws({ users: USERS });
    const [domain, username] = login.split("\\") as [string, string];
    const p = await provider(settings(server.url, { domain, username, email }));
    const e = await failure(p.send({ to: ["buyer@example.com"], subject: "s", text: "t" }));
    expect(e.category).toBe(category);
    expect(e.details.code).toBe(code);
    expect(e.details.evidence).toContain(`ResponseCode ${code}`);
    expect(e.details.evidence).toMatch(/MessageText "[^"]+"/);
    expect(server.sent).toEqual([]);
  });

  it("ErrorNonExistentMailbox already shows at the read-only check", async () => {
    server = await startFakeEws({ users: USERS });
    const e = await failure((await provider(settings(server.url, { username: "nobox" }))).verify());
    expect(e.details.code).toBe("ErrorNonExistentMailbox");
    expect(e.details.evidence).toContain("at GetFolder");
  });

  it("ErrorInvalidUserPrincipalName is auth and suggests the other login form", async () => {
    server = await startFakeEws({ users: USERS, refuse: { GetFolder: "ErrorInvalidUserPrincipalName" } });
    const e = await failure((await provider(settings(server.url))).verify());
    expect(e.category).toBe("auth");
    expect(e.details.code).toBe("ErrorInvalidUserPrincipalName");
    expect(e.hint).toContain("--login-form upn");
  });

  it("a server that never answers is server, after the timeout", async () => {
    server = await startFakeEws({ users: USERS, stall: true });
    const started = Date.now();
    const e = await failure((await provider(settings(server.url), PASSWORD, { timeoutMs: 400 })).verify());
    const took = Date.now() - started;
    expect(e.category).toBe("server");
    expect(e.message).toContain("did not answer in time");
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(3000);
  });

  it("nothing listening is server (connection refused)", async () => {
    server = await startFakeEws({ users: USERS });
    const url = server.url;
    await server.close();
    server = undefined;
    const e = await failure((await provider(settings(url))).verify());
    expect(e.category).toBe("server");
    expect(e.details.code).toBe("ECONNREFUSED");
  });

  it("an HTML sign-in page instead of EWS is server, and names the status", async () => {
    server = await startFakeEws({ users: USERS, loginPage: true });
    const e = await failure((await provider(settings(server.url))).verify());
    expect(e.category).toBe("server");
    expect(e.message).toContain("not an EWS response");
    expect(e.details.evidence).toContain("at GetFolder");
  });

  it("a wrong path is server (HTTP 404)", async () => {
    server = await startFakeEws({ users: USERS });
    const e = await failure((await provider(settings(server.url.replace("/EWS/Exchange.asmx", "/owa/")))).verify());
    expect(e.category).toBe("server");
    expect(e.details.code).toBe("HTTP 404");
  });
});

describe("Exchange provider over https", () => {
  const ca = new ThrowawayCa();

  it("a certificate from an untrusted CA is ssl", async () => {
    server = await startFakeEws({ users: USERS, tls: ca.issue() });
    const e = await failure((await provider(settings(server.url))).verify());
    expect(e.category).toBe("ssl");
    expect(e.hint).toContain("--ca");
  });

  it("trusting the CA (--ca) makes it work", async () => {
    server = await startFakeEws({ users: USERS, tls: ca.issue() });
    const evidence = await (await provider(settings(server.url), PASSWORD, { ca: [ca.cert] })).verify();
    expect(evidence.summary).toContain("https://127.0.0.1");
  });

  it("an expired certificate is ssl even with the CA trusted", async () => {
    server = await startFakeEws({ users: USERS, tls: ca.issue({ expired: true }) });
    const e = await failure((await provider(settings(server.url), PASSWORD, { ca: [ca.cert] })).verify());
    expect(e.category).toBe("ssl");
    expect(e.details.code).toBe("CERT_HAS_EXPIRED");
  });

  it("a certificate for another host name is ssl", async () => {
    server = await startFakeEws({ users: USERS, tls: ca.issue({ names: ["mail.acme.test"] }) });
    const e = await failure((await provider(settings(server.url), PASSWORD, { ca: [ca.cert] })).verify());
    expect(e.category).toBe("ssl");
    expect(e.details.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });
});

describe("Exchange provider: a send that may have happened", () => {
  it("no answer to CreateItem SendAndSaveCopy: reported as maybe delivered", async () => {
    server = await startFakeEws({ users: USERS, dropAfterSend: true });
    const p = await provider(settings(server.url));
    const e = await failure(p.send({ to: ["buyer@example.com"], subject: "S", text: "T" }));
    expect(server.sent).toHaveLength(1);
    expect(e.details.facts?.maybeDelivered).toBe(true);
  });

  it("no answer to SendItem after a draft with attachments: maybe delivered", async () => {
    server = await startFakeEws({ users: USERS, dropAfterSend: true });
    const p = await provider(settings(server.url));
    const e = await failure(p.send({ to: ["buyer@example.com"], subject: "S", text: "T", attachments: [{ filename: "a.txt", content: "x" }] }));
    expect(server.sent).toHaveLength(1);
    expect(e.details.facts?.maybeDelivered).toBe(true);
  });

  it("a refusal (an answer) or nothing listening is not maybe delivered", async () => {
    server = await startFakeEws({ users: USERS, refuse: { CreateItem: "ErrorSendAsDenied" } });
    const refused = await failure((await provider(settings(server.url))).send({ to: ["buyer@example.com"], subject: "S", text: "T" }));
    expect(refused.details.facts?.maybeDelivered).toBeUndefined();
    const down = await failure((await provider(settings("http://127.0.0.1:1/EWS/Exchange.asmx"))).send({ to: ["b@example.com"], subject: "S", text: "T" }));
    expect(down.details.facts?.maybeDelivered).toBeUndefined();
  });
});
