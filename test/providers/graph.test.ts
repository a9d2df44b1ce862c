import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGraphProvider } from "../../src/providers/graph.js";
import type { WebmailSettings } from "../../src/config/types.js";
import type { MailError } from "../../src/errors.js";
import { microsoftClientConfig, microsoftEndpoints } from "../../src/oauth/microsoft.js";
import { AADSTS, FAKE_MS_CLIENT_ID, FAKE_TENANT_ID, startFakeMicrosoft, type FakeMicrosoft } from "../helpers/fake-microsoft.js";
import { startFakeGraph, type FakeGraph } from "../helpers/fake-graph.js";
import { pollDeviceToken, requestDeviceCode } from "../../src/oauth/device-code.js";

const ACCOUNT = "sales@contoso-fake.example";
let ms: FakeMicrosoft;
let graph: FakeGraph;
let refresh: string;

const settings: WebmailSettings = {
  type: "webmail",
  email: ACCOUNT,
  host: "graph.microsoft.com",
  port: 443,
  security: "tls",
  auth: "oauth2-microsoft",
  transport: "graph",
  clientId: FAKE_MS_CLIENT_ID,
  tenant: FAKE_TENANT_ID,
};

beforeEach(async () => {
  ms = await startFakeMicrosoft({ account: ACCOUNT });
  graph = await startFakeGraph(ms);
  // A real connection from the fake identity platform, by the device code route.
  ms.devicePolls = ["approve"];
  const endpoints = microsoftEndpoints(ms.env(), "organizations");
  const client = microsoftClientConfig(FAKE_MS_CLIENT_ID, endpoints, "graph");
  const o = { timeoutMs: 5000, sleep: async () => undefined };
  const tokens = await pollDeviceToken(client, await requestDeviceCode(client, endpoints.deviceCodeUrl, o), o);
  refresh = tokens.refresh_token ?? "";
});

afterEach(async () => {
  await graph.close();
  await ms.close();
});

const provider = (onLog?: (l: string) => void) =>
  createGraphProvider(settings, { secret: refresh }, { timeoutMs: 5000, ...(onLog ? { onLog } : {}) }, { ...ms.env(), ...graph.env() });
const mail = { to: ["ap@customer.test"], subject: "Invoice INV-1", text: "Hello", messageId: "<fixed-1@mailcfg.test>" };

describe("Graph provider: facts of failures", () => {
  it("a connection lost after the sendMail request was written: maybeDelivered, not transient", async () => {
    graph.failNext(/sendMail/, { status: 0, hangUp: true });
    const err = (await provider().send(mail).catch((e: unknown) => e)) as MailError;
    expect(err.category).toBe("server");
    expect(err.details.facts).toMatchObject({ stage: "api", maybeDelivered: true });
    expect(err.details.transient).toBe(false);
  });

  it("a refused refresh: oauth with the token stage and the AADSTS number in the facts", async () => {
    ms.failNextToken(AADSTS.revoked as never);
    const err = (await provider().send(mail).catch((e: unknown) => e)) as MailError;
    expect(err.category).toBe("oauth");
    expect(err.details.facts).toMatchObject({ stage: "token", oauthError: "invalid_grant", aadsts: 50173 });
  });

  it("429 with Retry-After: server, transient, retryAfterSeconds, httpStatus and the Graph code", async () => {
    graph.failNext(/sendMail/, { status: 429, code: "ApplicationThrottled", message: "MailboxConcurrency", retryAfter: "17" });
    const err = (await provider().send(mail).catch((e: unknown) => e)) as MailError;
    expect(err.category).toBe("server");
    expect(err.details.transient).toBe(true);
    expect(err.details.facts).toMatchObject({ stage: "api", httpStatus: 429, responseCode: "ApplicationThrottled", retryAfterSeconds: 17 });
  });

  it("keeps the given Message-ID; protocol log lines never carry a token", async () => {
    const lines: string[] = [];
    const sent = await provider((l) => lines.push(l)).send(mail);
    expect(sent.messageId).toBe("<fixed-1@mailcfg.test>");
    expect(graph.sent[0]?.mime.toString()).toContain("Message-ID: <fixed-1@mailcfg.test>");
    const text = lines.join("\n");
    expect(text).toMatch(/POST .*\/v1\.0\/me\/sendMail/);
    for (const s of ms.secretsSeen()) expect(text).not.toContain(s);
  });
});
