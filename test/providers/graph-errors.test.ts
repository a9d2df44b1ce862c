import { describe, expect, it } from "vitest";
import { graphFailure, retryAfterSeconds, type GraphFailureFacts } from "../../src/providers/graph-errors.js";

const base: GraphFailureFacts = { op: "sendMail", email: "sales@contoso-fake.example" };

describe("graphFailure: Graph's answers, facts in, verdict out", () => {
  it.each([
    [{ httpStatus: 403, code: "ErrorAccessDenied" }, "oauth", /Grant admin consent/],
    [{ httpStatus: 403 }, "oauth", /Mail\.Send and Mail\.ReadWrite/],
    [{ httpStatus: 401, code: "InvalidAuthenticationToken" }, "oauth", /Connect the account again/],
    [{ httpStatus: 404, code: "MailboxNotEnabledForRESTAPI" }, "rejected", /Exchange Online licence/],
    [{ httpStatus: 403, code: "ErrorSendAsDenied" }, "rejected", /Send As/],
    [{ httpStatus: 507, code: "ErrorQuotaExceeded" }, "rejected", /Free space/],
    [{ httpStatus: 400, code: "ErrorMessageSizeExceeded" }, "rejected", /MaxSendSize/],
    [{ httpStatus: 413, code: "RequestBodyTooLarge" }, "rejected", /smaller/],
    [{ httpStatus: 429, code: "ApplicationThrottled", retryAfterSeconds: 30 }, "server", /waits at least as long/],
    [{ httpStatus: 503, code: "ServiceUnavailable", retryAfterSeconds: 5 }, "server", /waits at least as long/],
    [{ httpStatus: 500 }, "server", /Try again/],
  ] as const)("%o -> %s", (facts, category, fix) => {
    const e = graphFailure({ ...base, ...facts });
    expect(e.category).toBe(category);
    expect(e.hint).toMatch(fix);
    expect(e.details.facts).toMatchObject({ stage: "api", httpStatus: facts.httpStatus });
    if ("code" in facts) expect(e.details.facts?.responseCode).toBe(facts.code);
  });

  it("429 and 503 are transient and carry Retry-After in the facts", () => {
    for (const httpStatus of [429, 503]) {
      const e = graphFailure({ ...base, httpStatus, retryAfterSeconds: 42 });
      expect(e.details.transient).toBe(true);
      expect(e.details.facts?.retryAfterSeconds).toBe(42);
      expect(e.details.evidence).toMatch(/Retry-After: 42/);
    }
    expect(graphFailure({ ...base, httpStatus: 403, code: "ErrorAccessDenied" }).details.transient).toBe(false);
  });

  it("no answer after a send request was written: maybe delivered, never retried by itself", () => {
    const e = graphFailure({ ...base, errno: "UND_ERR_SOCKET", message: "other side closed", maybeDelivered: true });
    expect(e.category).toBe("server");
    expect(e.details.facts).toMatchObject({ stage: "api", maybeDelivered: true, errno: "UND_ERR_SOCKET" });
    expect(e.details.transient).toBe(false);
    expect(e.hint).toMatch(/Sent Items/);
  });

  it("nothing listening: server, transient, not delivered", () => {
    const e = graphFailure({ ...base, errno: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:9" });
    expect(e.category).toBe("server");
    expect(e.details.transient).toBe(true);
    expect(e.details.facts?.maybeDelivered).toBeUndefined();
  });
});

describe("retryAfterSeconds", () => {
  it("reads seconds and HTTP dates", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds("Sun, 06 Dec 2026 04:00:30 GMT", Date.parse("2026-12-06T04:00:00Z"))).toBe(30);
    expect(retryAfterSeconds(undefined)).toBeUndefined();
    expect(retryAfterSeconds("soon")).toBeUndefined();
  });
});
