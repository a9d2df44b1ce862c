import { describe, expect, it } from "vitest";
import patternRows from "../../src/diagnosis/patterns.json" with { type: "json" };
import clientRows from "../../src/failures/rows-clients.json" with { type: "json" };
import { classifyText } from "../../src/diagnosis/classify.js";
import rowExamples from "./row-examples.json" with { type: "json" };
import corpus from "./corpus.json" with { type: "json" };

/**
 * Real error texts as the clients print them (.NET, PowerShell, MailKit, PHPMailer, Swift
 * and Symfony Mailer, smtplib, exchangelib, JavaMail, the EWS APIs, msmtp, sendmail,
 * Postfix, nodemailer, Thunderbird, KDE, Go, Google and Microsoft sign-in), each with the
 * category a support person would give it. Addresses, hosts and ids are made up.
 */
interface CorpusText {
  text: string;
  category: string;
  client: string;
  note?: string;
}

const texts = corpus as CorpusText[];
const examples = rowExamples as Record<string, string>;

describe("every row's example lands on that row", () => {
  it("has an example for every row of patterns.json", () => {
    expect(patternRows.map((r) => r.id).filter((id) => !(id in examples))).toEqual([]);
  });

  it.each(patternRows.map((r) => [r.id, r.category] as const))("patterns.json %s (%s)", (id, category) => {
    const c = classifyText(examples[id] ?? "");
    expect(c.rowId).toBe(id);
    expect(c.category).toBe(category);
  });

  it.each(clientRows.map((r) => [r.id, r.category, r.example] as const))("rows-clients.json %s (%s)", (id, category, example) => {
    const c = classifyText(example);
    expect(c.rowId).toBe(id);
    expect(c.category).toBe(category);
    expect(c.transient).toBe(clientRows.find((r) => r.id === id)?.transient);
  });
});

describe("the corpus of real error texts", () => {
  const results = texts.map((t) => ({ ...t, got: classifyText(t.text) }));
  const wrong = results.filter((r) => r.got.category !== r.category);
  const show = (rs: typeof results): string =>
    rs.map((r) => `[${r.category} -> ${r.got.category} ${r.got.rowId ?? "-"}] (${r.client}) ${r.text.replace(/\n/g, " ").slice(0, 160)}`).join("\n");

  it("is large and covers every category and many clients", () => {
    expect(texts.length).toBeGreaterThanOrEqual(400);
    expect(new Set(texts.map((t) => t.category))).toEqual(new Set(["auth", "server", "ssl", "rejected", "oauth", "domain", "unknown"]));
    expect(new Set(texts.map((t) => t.client)).size).toBeGreaterThanOrEqual(30);
    expect(texts.filter((t) => t.category === "unknown").length).toBeGreaterThanOrEqual(20);
  });

  it("gets at least 95% of the categories right", () => {
    const accuracy = (texts.length - wrong.length) / texts.length;
    expect(accuracy, `misclassified:\n${show(wrong)}`).toBeGreaterThanOrEqual(0.95);
  });

  it("calls nothing unknown that has a signal", () => {
    const lost = results.filter((r) => r.category !== "unknown" && r.got.category === "unknown");
    expect(lost.length, `unknown although they carry a signal:\n${show(lost)}`).toBe(0);
  });

  it("names a specific fix for every text it recognises", () => {
    const vague = results.filter((r) => r.got.category !== "unknown" && (!r.got.rowId || r.got.fix.length === 0));
    expect(vague.length, show(vague)).toBe(0);
  });
});
