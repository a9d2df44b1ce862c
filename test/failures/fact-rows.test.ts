import { describe, expect, it } from "vitest";
import { classify, factRows } from "../../src/failures/classify.js";
import { EXIT_CODES } from "../../src/errors.js";

/**
 * Every row of the failure table that reads structured facts carries a real failure as
 * its example: the classifier, given that example, decides by that very row.
 */
describe("fact rows", () => {
  it("each has an example, a cause, a fix and a source, and ids are unique", () => {
    const ids = new Set<string>();
    for (const r of factRows()) {
      expect(r.example.facts ?? r.example.text, r.id).toBeDefined();
      expect(r.cause.length, r.id).toBeGreaterThan(10);
      expect(r.fix.length, r.id).toBeGreaterThan(0);
      expect(r.source, r.id).toBeTruthy();
      expect(EXIT_CODES[r.category], r.id).toBeDefined();
      expect(ids.has(r.id), `duplicate id ${r.id}`).toBe(false);
      ids.add(r.id);
    }
  });

  it.each(factRows().map((r) => [r.id, r] as const))("%s: its example is decided by it", (id, r) => {
    const v = classify({ ...(r.example.facts ? { facts: r.example.facts } : {}), ...(r.example.text ? { text: r.example.text } : {}) });
    expect(v.rowId).toBe(id);
    expect(v.category).toBe(r.category);
    if (r.transient !== undefined) expect(v.transient).toBe(r.transient);
    // Every placeholder was filled in from the facts.
    expect(v.cause).not.toMatch(/\{[a-zA-Z]+\}/);
    for (const step of v.fix) expect(step).not.toMatch(/\{[a-zA-Z]+\}/);
  });
});

describe("the same failure means the same everywhere (the disagreements this model ended)", () => {
  it("AADSTS50057 (account disabled) is oauth, pasted or live", () => {
    const pasted = classify({ text: "invalid_grant: AADSTS50057: The user account is disabled." });
    const live = classify({ facts: { stage: "token", oauthStep: "refresh", oauthError: "invalid_grant", aadsts: 50057, signIn: "Microsoft" }, text: "invalid_grant: AADSTS50057: The user account is disabled." });
    expect([pasted.category, live.category]).toEqual(["oauth", "oauth"]);
  });

  it("Gmail accessNotConfigured is oauth, pasted or live", () => {
    const text = "Gmail API has not been used in project 1234 before or it is disabled. accessNotConfigured";
    const live = classify({ facts: { stage: "api", httpStatus: 403, googleReason: "accessNotConfigured", settings: { type: "gmail", email: "a@example.com" } }, text });
    expect([classify({ text }).category, live.category]).toEqual(["oauth", "oauth"]);
  });

  it("a 421 greeting is a temporary server refusal, not 'not an SMTP server'", () => {
    const v = classify({ facts: { stage: "greeting", replyCode: 421 }, text: "Invalid greeting. response=421 4.3.2 mail.example.com busy, try later" });
    expect(v).toMatchObject({ category: "server", transient: true, rowId: "greeting-refused-temporarily" });
  });

  it("a stalled TLS handshake is the same verdict whether STARTTLS or implicit TLS, and retried", () => {
    const implicit = classify({ facts: { stage: "tls", errno: "ETIMEDOUT", timeoutMs: 1000, settings: { security: "tls", port: 2465 } }, text: "Connection timeout" });
    const starttls = classify({ facts: { stage: "starttls", errno: "ETIMEDOUT", timeoutMs: 1000, settings: { security: "starttls", port: 587 } }, text: "Connection timeout" });
    expect([implicit.category, implicit.transient]).toEqual(["server", true]);
    expect([starttls.category, starttls.transient]).toEqual(["server", true]);
  });

  it("Microsoft's basic-auth switch-off is fixed by connecting with OAuth, not by retyping the password", () => {
    const v = classify({ text: "550 5.7.30 Basic authentication is not supported for Client Submission" });
    expect(v).toMatchObject({ category: "auth", remedy: { reconnect: "microsoft" } });
  });

  it("every certificate problem is ssl; a relay refusal is rejected; a 4xx refusal is server and transient", () => {
    expect(classify({ text: "certificate has expired (CERT_HAS_EXPIRED)" }).category).toBe("ssl");
    expect(classify({ text: "554 5.7.1 <x@y.test>: Relay access denied" }).category).toBe("rejected");
    expect(classify({ text: "450 4.2.2 Mailbox full, try again later" })).toMatchObject({ category: "server", transient: true });
  });
});
