import { describe, expect, it } from "vitest";
import { backoffMs, isTransient } from "../../src/queue/outcome.js";
import { MailError, SENDING_LIMIT_CODE, type Category } from "../../src/errors.js";

const err = (category: Category, code?: string) => new MailError(category, "x", code ? { code } : {});

describe("which failures are retried", () => {
  it.each([
    ["a 4xx reply, whatever its category", err("rejected", "4.2.2"), true],
    ["a basic 4xx code", err("unknown", "451"), true],
    ["a connection problem", err("server"), true],
    ["a sending limit reached (Gmail API 429)", err("rejected", SENDING_LIMIT_CODE), true],
    ["a 5xx reply", err("rejected", "5.1.1"), false],
    ["a 5xx reply even from a server-category error", err("server", "554"), false],
    ["an auth failure", err("auth", "5.7.8"), false],
    ["a TLS failure", err("ssl"), false],
    ["a missing profile", err("not-configured"), false],
  ])("%s", (_name, e, transient) => {
    expect(isTransient(e)).toBe(transient);
  });
});

describe("backoff", () => {
  it("doubles from the base, with at most 10% jitter, capped at 6 hours", () => {
    expect(backoffMs(1, 60_000, () => 0)).toBe(60_000);
    expect(backoffMs(2, 60_000, () => 0)).toBe(120_000);
    expect(backoffMs(4, 60_000, () => 0)).toBe(480_000);
    expect(backoffMs(3, 60_000, () => 1)).toBe(264_000);
    expect(backoffMs(30, 60_000, () => 0)).toBe(6 * 3600_000);
  });
});
