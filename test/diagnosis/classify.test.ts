import { describe, expect, it } from "vitest";
import { classifyText, extractCodes, patternTable, recognizeProvider } from "../../src/diagnosis/classify.js";
import { describeCode } from "../../src/diagnosis/status-codes.js";
import { PRODUCT_MESSAGES } from "../../src/diagnosis/product-messages.js";
import { EXAMPLES, UNKNOWN_EXAMPLES } from "./classify-examples.js";

const CATEGORIES = ["auth", "server", "ssl", "domain", "rejected", "oauth", "unknown"];

describe("the pattern table", () => {
  const rows = patternTable();

  it("has at least 80 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(80);
  });

  it.each(rows.map((r) => [r.id, r] as const))("row %s compiles and is complete", (_id, r) => {
    expect(() => new RegExp(r.pattern, "im")).not.toThrow();
    expect(CATEGORIES).toContain(r.category);
    expect(r.cause.length).toBeGreaterThan(10);
    expect(r.fix.length).toBeGreaterThan(0);
    expect(r.source.length).toBeGreaterThan(3);
    // A pattern that matches the empty string would swallow every text after it.
    expect(new RegExp(r.pattern, "im").test("")).toBe(false);
  });

  it("has no two rows with the same id", () => {
    const ids = rows.map((r) => r.id);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes).toEqual([]);
  });

  it("has a real text for every row, and that text lands on it (rows go specific to general)", () => {
    const covered = new Set(EXAMPLES.map((e) => e.row));
    expect(rows.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});

describe("classifyText on real texts", () => {
  it.each(EXAMPLES.map((e) => [e.row, e.text.slice(0, 70), e] as const))("%s: %s", (_row, _t, e) => {
    const c = classifyText(e.text);
    expect(c.rowId).toBe(e.row);
    expect(c.category).toBe(e.category);
    if (e.provider) expect(c.provider).toBe(e.provider);
    expect(c.check).toMatch(/^mailcfg /);
  });
});

describe("the product's own messages", () => {
  it.each([
    ["auth", PRODUCT_MESSAGES.auth],
    ["server", PRODUCT_MESSAGES.server],
    ["ssl", PRODUCT_MESSAGES.ssl],
    ["domain", PRODUCT_MESSAGES.domain],
  ])("the %s message classifies to its own category and shows itself", (category, message) => {
    const c = classifyText(message ?? "");
    expect(c.category).toBe(category);
    expect(c.productMessage).toBe(message);
  });
});

describe("provider recognition when the row names none", () => {
  it.each([
    ["550 5.1.1 <x@example.org>: Recipient address rejected: User unknown - gsmtp", "Gmail"],
    ["550 5.1.1 User unknown [BN8NAM12FT012.eop-nam12.prod.protection.outlook.com]", "Microsoft 365"],
    ["552 5.3.4 Message size exceeds fixed maximum message size (smtp.mail.yahoo.com)", "Yahoo"],
    ["220 mail.contoso.local Microsoft ESMTP MAIL Service ready\n550 5.1.1 User unknown", "Exchange Server"],
  ])("%s -> %s", (text, provider) => {
    expect(classifyText(text).provider).toBe(provider);
  });

  it("names no provider when the text shows none", () => {
    expect(classifyText("550 5.1.1 User unknown").provider).toBeUndefined();
    expect(recognizeProvider("smtp.example.com")).toBeUndefined();
  });
});

describe("status codes", () => {
  it("reads enhanced and basic codes, and not ports or IP addresses", () => {
    expect(extractCodes("535-5.7.8 Username and Password not accepted")).toEqual(["5.7.8", "535"]);
    expect(extractCodes("connect ECONNREFUSED 203.0.113.7:587")).toEqual([]);
    expect(extractCodes("deferred - 4.16.55.1; see ...")).toEqual([]);
    expect(extractCodes("(535, b'5.7.139 Authentication unsuccessful')")).toEqual(["5.7.139", "535"]);
  });

  it("prefers the most specific code", () => {
    expect(classifyText("535 5.7.3 Authentication unsuccessful").code).toBe("5.7.3");
    expect(classifyText("invalid_grant: AADSTS70008: expired due to inactivity").code).toBe("AADSTS70008");
    expect(classifyText("ErrorAccessDenied: Access is denied. Check credentials and try again.").code).toBe("ErrorAccessDenied");
    expect(classifyText("Error: connect ECONNREFUSED 127.0.0.1:2525").code).toBe("ECONNREFUSED");
    expect(classifyText("Token has been expired or revoked. invalid_grant").code).toBe("invalid_grant");
  });

  it("explains RFC 3463 class, subject and detail", () => {
    expect(describeCode("5.7.8")).toBe("permanent failure; security or policy status: authentication credentials invalid");
    expect(describeCode("4.2.2")).toBe("temporary failure (retrying later may work); mailbox status: mailbox full");
    expect(describeCode("5.7.139")).toMatch(/permanent failure; security or policy status \(detail 139 is not a registered code/);
    expect(describeCode("535")).toBe("authentication credentials invalid");
    expect(describeCode("9.9.9")).toBeUndefined();
  });
});

describe("text mailcfg does not know", () => {
  it.each(UNKNOWN_EXAMPLES)("says so honestly and still extracts the codes: $text", ({ text, codes }) => {
    const c = classifyText(text);
    expect(c.category).toBe("unknown");
    expect(c.rowId).toBeUndefined();
    expect(c.cause).toMatch(/does not recognise/);
    expect(c.codes).toEqual(codes);
    expect((c.meanings ?? []).map((m) => m.code)).toEqual(codes);
    expect(c.check).toBe("mailcfg diagnose company|user <id>");
  });
});
