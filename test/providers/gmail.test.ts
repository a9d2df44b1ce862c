import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProvider } from "../../src/providers/index.js";
import type { MailProvider } from "../../src/providers/types.js";
import { encodeGoogleCredential } from "../../src/oauth/google.js";
import { MailError } from "../../src/errors.js";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, GMAIL_READONLY, GMAIL_SEND, startFakeGoogle, type FakeGoogle } from "../helpers/fake-google.js";

let fake: FakeGoogle;
let provider: MailProvider | undefined;

beforeEach(async () => {
  fake = await startFakeGoogle({ account: "billing@acme-fake.example" });
});

afterEach(async () => {
  await provider?.close();
  provider = undefined;
  await fake.close();
});

async function gmailProvider(refreshToken: string, env: Record<string, string> = fake.env()): Promise<MailProvider> {
  provider = await createProvider({
    settings: { type: "gmail", email: "billing@acme-fake.example", clientId: FAKE_CLIENT_ID },
    secret: encodeGoogleCredential({ refreshToken, clientSecret: FAKE_CLIENT_SECRET }),
    options: { timeoutMs: 5000 },
    env,
  });
  return provider;
}

const mail = (subject: string) => ({ to: ["customer@example.net"], subject, text: "Invoice attached." });

async function failure(p: Promise<unknown>): Promise<MailError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MailError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

describe("gmail provider", () => {
  it("verify refreshes the access token and reads the account from the id token", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    const evidence = await p.verify();
    expect(evidence.facts.account).toBe("billing@acme-fake.example");
    expect(fake.grants.refresh_token).toBe(1);
  });

  it("send posts a raw RFC 822 message as JSON; Bcc stays in it so Gmail delivers to it", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    const sent = await p.send({
      to: ["customer@example.net"],
      cc: ["accounts@example.net"],
      bcc: ["archive@acme-fake.example"],
      subject: "Invoice INV-1001 — Fish & Chips",
      text: "Invoice attached.",
      attachments: [{ filename: "INV-1001.txt", content: "total: 12.50" }],
    });
    expect(fake.sent).toHaveLength(1);
    const m = fake.sent[0];
    expect(m?.headers.from).toBe("billing@acme-fake.example");
    expect(m?.headers.to).toBe("customer@example.net");
    expect(m?.headers.cc).toBe("accounts@example.net");
    expect(m?.headers.bcc).toBe("archive@acme-fake.example");
    expect(m?.headers["message-id"]).toBe(sent.messageId);
    expect(m?.raw).toMatch(/filename=INV-1001\.txt/);
    expect(sent.accepted).toEqual(["customer@example.net", "accounts@example.net", "archive@acme-fake.example"]);
    expect(sent.response).toMatch(/Gmail API accepted/);
  });

  it("refreshes and retries when Google says the access token has expired", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    await p.send(mail("first"));
    expect(fake.grants.refresh_token).toBe(1);
    fake.expireAccessTokens(); // the client still believes its token is good for an hour
    await p.send(mail("second"));
    expect(fake.grants.refresh_token).toBe(2);
    expect(fake.sent.map((m) => m.headers.subject)).toEqual(["first", "second"]);
    expect(fake.sent[0]?.bearer).not.toBe(fake.sent[1]?.bearer);
  });

  it("a revoked refresh token is oauth (invalid_grant), on verify and on send", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    fake.revokeAll();
    const v = await failure(p.verify());
    expect(v.category).toBe("oauth");
    expect(v.details.code).toBe("invalid_grant");
    const s = await failure(p.send(mail("after revoke")));
    expect(s.category).toBe("oauth");
    expect(s.details.code).toBe("invalid_grant");
    expect(fake.sent).toHaveLength(0);
  });

  it("a connection without gmail.send is refused with its own explanation", async () => {
    const p = await gmailProvider(fake.issueRefreshToken("openid email"));
    expect((await failure(p.verify())).details.code).toBe("scope_not_granted");
    const s = await failure(p.send(mail("no scope")));
    expect(s.category).toBe("oauth");
    expect(s.details.code).toBe("insufficient_scopes");
  });

  const apiError = (code: number, message: string, reason: string, status: string) => ({
    error: { code, message, errors: [{ message, domain: "global", reason }], status },
  });

  it.each([
    [400, apiError(400, "Precondition check failed.", "failedPrecondition", "FAILED_PRECONDITION"), "rejected", "precondition_failed"],
    [400, apiError(400, "Mail service not enabled", "failedPrecondition", "FAILED_PRECONDITION"), "rejected", "mail_service_not_enabled"],
    [
      403,
      apiError(403, "Gmail API has not been used in project 1234 before or it is disabled.", "accessNotConfigured", "PERMISSION_DENIED"),
      // The same verdict explain gives for the text: the OAuth client's project needs the API.
      "oauth",
      "gmail_api_disabled",
    ],
    [429, apiError(429, "User-rate limit exceeded.", "userRateLimitExceeded", "RESOURCE_EXHAUSTED"), "rejected", "rate_limited"],
    [400, apiError(400, "Invalid To header", "invalidArgument", "INVALID_ARGUMENT"), "rejected", "invalid_message"],
  ])("Gmail API HTTP %i is classified", async (status, body, category, code) => {
    const p = await gmailProvider(fake.issueRefreshToken());
    // Twice: google-auth-library refreshes and retries once on a 401 or 403.
    fake.failNextSend(status, body, 2);
    const err = await failure(p.send(mail("refused")));
    expect(err.category).toBe(category);
    expect(err.details.code).toBe(code);
    expect(err.details.evidence).toContain(String(status));
  });

  it("a single 401 is healed by a refresh and a retry", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    fake.failNextSend(401, apiError(401, "Invalid Credentials", "authError", "UNAUTHENTICATED"));
    await p.send(mail("retried"));
    expect(fake.grants.refresh_token).toBe(2);
    expect(fake.sent).toHaveLength(1);
  });

  it("a 401 that survives a refresh is oauth", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    fake.failNextSend(401, apiError(401, "Invalid Credentials", "authError", "UNAUTHENTICATED"), 2);
    const err = await failure(p.send(mail("refused")));
    expect(err.category).toBe("oauth");
    expect(err.details.code).toBe("unauthenticated");
  });

  it("an unreachable Gmail API is a server failure naming the address", async () => {
    const closed = await startFakeGoogle();
    const origin = closed.origin;
    await closed.close();
    const p = await gmailProvider(fake.issueRefreshToken(), { ...fake.env(), MAILCFG_GMAIL_API_URL: origin });
    const err = await failure(p.send(mail("nowhere")));
    expect(err.category).toBe("server");
    expect(err.message).toContain(origin);
  });

  it("no token or secret appears in the errors", async () => {
    const refresh = fake.issueRefreshToken();
    const p = await gmailProvider(refresh);
    await p.send(mail("ok"));
    fake.failNextSend(400, apiError(400, "Precondition check failed.", "failedPrecondition", "FAILED_PRECONDITION"));
    const e1 = await failure(p.send(mail("refused")));
    fake.revokeAll();
    const e2 = await failure(p.send(mail("revoked")));
    const text = JSON.stringify([e1.message, e1.details.evidence, e1.details.hint, e2.message, e2.details.evidence, e2.details.hint]);
    for (const s of fake.secretsSeen()) expect(text).not.toContain(s);
  });
});

describe("gmail provider: a send that may have happened", () => {
  it("a connection dropped after the request was written is reported as maybe delivered", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    fake.dropAfterNextSend();
    const e = await failure(p.send({ ...mail("dropped"), messageId: "<drop-1@acme-fake.example>" }));
    expect(fake.sent).toHaveLength(1); // Gmail carried it out
    expect(e.details.facts?.maybeDelivered).toBe(true);
  });

  it("an API refusal (HTTP answer) is not maybe delivered", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    fake.failNextSend(400, { error: { code: 400, message: "Invalid To header", status: "INVALID_ARGUMENT" } });
    const e = await failure(p.send(mail("refused")));
    expect(e.details.facts?.maybeDelivered).toBeUndefined();
  });

  it("findSent searches the sender's mailbox for the Message-ID (read scope)", async () => {
    const p = await gmailProvider(fake.issueRefreshToken(`${GMAIL_SEND} ${GMAIL_READONLY} openid email`));
    await p.send({ ...mail("there"), messageId: "<there-1@acme-fake.example>" });
    expect(await p.findSent?.("<there-1@acme-fake.example>")).toEqual({ found: true });
    expect(await p.findSent?.("<elsewhere@acme-fake.example>")).toEqual({ found: false });
    expect(fake.searches).toEqual(["rfc822msgid:there-1@acme-fake.example", "rfc822msgid:elsewhere@acme-fake.example"]);
  });

  it("findSent without a read scope says it cannot tell, and why", async () => {
    const p = await gmailProvider(fake.issueRefreshToken());
    const r = await p.findSent?.("<x@acme-fake.example>");
    expect(r && "unknown" in r ? r.unknown : "").toMatch(/gmail\.readonly/);
  });
});
