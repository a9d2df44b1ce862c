import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProvider } from "../../src/providers/index.js";
import { MailError } from "../../src/errors.js";
import { startFakeEws, type FakeEws } from "../helpers/fake-ews.js";

let ews: FakeEws;
beforeEach(async () => {
  ews = await startFakeEws({ users: { "acme.com\\jdoe": { password: "fake-password-123", mailbox: "jdoe@acme.com" } } });
});
afterEach(async () => ews.close());

const provider = (password: string) =>
  createProvider({
    settings: { type: "exchange", email: "jdoe@acme.com", ewsUrl: ews.url, domain: "acme.com", username: "jdoe" },
    secret: password,
    options: { timeoutMs: 5000, pool: true },
    env: {},
  });
const mail = (i: number) => ({ to: [`b${i}@customer.test`], subject: `m${i}`, text: "x", messageId: `<m${i}@acme.com>` });
const settleWithin = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"hung">((r) => setTimeout(() => r("hung"), ms))]);

describe("one Exchange provider, several sends at once (as queue run --concurrency does)", () => {
  it("all succeed", async () => {
    const p = await provider("fake-password-123");
    const results = await settleWithin(Promise.allSettled([0, 1, 2, 3].map((i) => p.send(mail(i)))), 15_000);
    expect(results).not.toBe("hung");
    expect(ews.sent.map((m) => m.internetMessageId).sort()).toEqual(["<m0@acme.com>", "<m1@acme.com>", "<m2@acme.com>", "<m3@acme.com>"]);
  }, 20_000);

  it("all fail with 401: each send gets its own auth verdict", async () => {
    const p = await provider("fake-wrong-password-9");
    const results = await settleWithin(Promise.allSettled([0, 1, 2, 3].map((i) => p.send(mail(i)))), 15_000);
    expect(results).not.toBe("hung");
    const verdicts = (results as PromiseSettledResult<unknown>[]).map((r) => (r.status === "rejected" && r.reason instanceof MailError ? r.reason.category : r.status));
    expect(verdicts).toEqual(["auth", "auth", "auth", "auth"]);
  }, 20_000);
});
