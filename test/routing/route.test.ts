import { describe, expect, it } from "vitest";
import { DOC_KINDS, closestKind, editDistance, findKind, parseKind } from "../../src/routing/catalogue.js";
import { route, type SavedProfiles } from "../../src/routing/route.js";
import { resolveActingUser } from "../../src/routing/acting-user.js";
import { MailError } from "../../src/errors.js";

// The product article's rules, written out independently of the catalogue.
const COMPANY_KINDS = [
  "deposit-link",
  "invoice-payment-link",
  "user-notification",
  "overdue-invoice-reminder",
  "so-allocation-confirmation",
  "bill-payment-confirmation",
  "order-release-confirmation",
  "packing-slip-with-invoice",
  "goods-received-notification",
];
const USER_KINDS = ["sales-order", "purchase-order", "invoice", "item-receipt", "quote", "credit-memo", "bill", "return-authorization", "packing-slip"];
const SETTING_KINDS = ["ship-confirmation"];

const COMPANY = { type: "webmail", email: "sales@acme.test" } as const;
const JDOE = { type: "webmail", email: "jdoe@acme.test" } as const;

function expectedSender(kind: string, setting: "company" | "user"): "company" | "user" {
  if (COMPANY_KINDS.includes(kind)) return "company";
  if (USER_KINDS.includes(kind)) return "user";
  if (SETTING_KINDS.includes(kind)) return setting;
  throw new Error(`kind ${kind} is not in the test's table`);
}

describe("the catalogue", () => {
  it("holds exactly the kinds of the product article, each once", () => {
    const ids = DOC_KINDS.map((k) => k.id).sort();
    expect(ids).toEqual([...COMPANY_KINDS, ...USER_KINDS, ...SETTING_KINDS].sort());
  });
  it("finds kinds by id, alias and product name", () => {
    expect(findKind("Sales Order")?.id).toBe("sales-order");
    expect(findKind("PO")?.id).toBe("purchase-order");
    expect(findKind("Auto email Ship confirmation on Pack & Ship")?.id).toBe("ship-confirmation");
  });
  it.each([
    ["invoce", "invoice"],
    ["purchse-order", "purchase-order"],
    ["ship-confirmaton", "ship-confirmation"],
    ["deposit", "deposit-link"],
  ])("suggests the closest kind for %s", (typed, id) => {
    expect(closestKind(typed)?.id).toBe(id);
  });
  it("suggests nothing for a word far from every kind", () => {
    expect(closestKind("xylophone")).toBeUndefined();
  });
  it("refuses an unknown kind as a usage error that names the closest match", () => {
    const err = (() => {
      try {
        parseKind("invoise");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MailError);
    expect((err as MailError).category).toBe("usage");
    expect((err as MailError).hint).toContain('"invoice"');
  });
  it("measures edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});

const cases = DOC_KINDS.flatMap((k) =>
  (["company", "user"] as const).flatMap((setting) =>
    [true, false].map((userEmail) => ({ kind: k.id, setting, userEmail })),
  ),
);

describe("route(): every kind, with and without a User Email, both ship-confirmation settings", () => {
  it.each(cases)("$kind, ship-confirmation-sender=$setting, user email: $userEmail", ({ kind, setting, userEmail }) => {
    const profiles: SavedProfiles = { company: COMPANY, users: userEmail ? { jdoe: JDOE } : {} };
    const d = route(parseKind(kind), "jdoe", profiles, { "ship-confirmation-sender": setting });
    const wanted = expectedSender(kind, setting);
    expect(d.user).toBe("jdoe");
    if (wanted === "company") {
      expect(d).toMatchObject({ sender: "company", email: COMPANY.email, fallback: false, profile: { owner: { kind: "company" } } });
    } else if (userEmail) {
      expect(d).toMatchObject({ sender: "user", email: JDOE.email, fallback: false, profile: { owner: { kind: "user", id: "jdoe" } } });
    } else {
      expect(d).toMatchObject({ sender: "company", email: COMPANY.email, fallback: true, fallbackReason: "no-user-email" });
      expect(d.explanation.join(" ")).toContain("jdoe has no User Email");
    }
    expect(d.explanation.length).toBeGreaterThanOrEqual(1);
    expect(d.explanation.length).toBeLessThanOrEqual(2);
  });
});

describe("route(): edge cases", () => {
  it("a user rule with no acting user falls back to the Company Email and says so", () => {
    const d = route(parseKind("sales-order"), undefined, { company: COMPANY, users: { jdoe: JDOE } }, { "ship-confirmation-sender": "company" });
    expect(d).toMatchObject({ sender: "company", user: null, fallback: true, fallbackReason: "no-acting-user" });
    expect(d.explanation.join(" ")).toContain("no acting user");
  });
  it("a user rule with a User Email needs no Company Email", () => {
    const d = route(parseKind("invoice"), "jdoe", { users: { jdoe: JDOE } }, { "ship-confirmation-sender": "company" });
    expect(d.sender).toBe("user");
  });
  it.each([
    ["invoice-payment-link", "jdoe", { jdoe: JDOE }],
    ["invoice", "jdoe", {}],
    ["invoice", undefined, {}],
    ["ship-confirmation", "jdoe", { jdoe: JDOE }],
  ] as const)("%s with user %s and no Company Email is not configured, naming mailcfg setup company", (kind, user, users) => {
    let caught: unknown;
    try {
      route(parseKind(kind), user, { users }, { "ship-confirmation-sender": "company" });
    } catch (e) {
      caught = e;
    }
    expect((caught as MailError).category).toBe("not-configured");
    expect((caught as MailError).details.next).toBe("mailcfg setup company");
  });
  it("the ship confirmation names the app setting in its rule", () => {
    const d = route(parseKind("ship-confirmation"), "jdoe", { company: COMPANY, users: { jdoe: JDOE } }, { "ship-confirmation-sender": "user" });
    expect(d.sender).toBe("user");
    expect(d.rule).toContain("ship-confirmation-sender is user");
  });
});

describe("the acting user", () => {
  it("--user wins over MAILCFG_USER and the default-user setting", () => {
    expect(resolveActingUser("amy", { MAILCFG_USER: "bob" }, { "default-user": "cy" })).toEqual({ id: "amy", source: "--user" });
  });
  it("MAILCFG_USER wins over the setting", () => {
    expect(resolveActingUser(undefined, { MAILCFG_USER: "bob" }, { "default-user": "cy" })).toEqual({ id: "bob", source: "MAILCFG_USER" });
  });
  it("the default-user setting applies last", () => {
    expect(resolveActingUser(undefined, {}, { "default-user": "cy" })).toEqual({ id: "cy", source: "default-user setting" });
    expect(resolveActingUser(undefined, {}, {})).toEqual({ source: "none" });
  });
  it("an invalid user id is a usage error", () => {
    expect(() => resolveActingUser("bad id!", {}, {})).toThrow(MailError);
  });
});
