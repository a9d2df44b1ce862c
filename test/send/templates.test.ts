import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOC_KINDS } from "../../src/routing/catalogue.js";
import { BUILT_IN_TEMPLATES, loadTemplate, renderTemplate, templateVariables } from "../../src/send/templates.js";
import { MailError } from "../../src/errors.js";
import { tempConfig } from "../helpers/cli.js";

describe("templates", () => {
  it("every document kind has a built-in template, and no template is orphaned", () => {
    expect(Object.keys(BUILT_IN_TEMPLATES).sort()).toEqual(DOC_KINDS.map((k) => k.id).sort());
  });

  it("lists the variables a template uses, once each", () => {
    expect(templateVariables({ subject: "{{ number }} {{a}}", text: "{{a}} {{b.c}}", html: "{{d}}" })).toEqual(["number", "a", "b.c", "d"]);
  });

  it("escapes variables in HTML only, and leaves the template's own markup", () => {
    const r = renderTemplate({ subject: "S {{x}}", text: "T {{x}}", html: "<b>{{x}}</b>" }, { x: `<a href="e">&'` });
    expect(r.subject).toBe(`S <a href="e">&'`);
    expect(r.text).toBe(`T <a href="e">&'`);
    expect(r.html).toContain("\n<b>&lt;a href=&quot;e&quot;&gt;&amp;&#39;</b>\n");
  });

  it("makes HTML paragraphs from the text when the template has no HTML", () => {
    const r = renderTemplate({ subject: "s", text: "Dear {{c}},\n\nline 1\nline 2\n" }, { c: "A<B" });
    expect(r.html).toContain("\n<p>Dear A&lt;B,</p>\n<p>line 1<br>\nline 2</p>\n");
  });

  it("takes parts from the templates folder over the built-in ones", () => {
    const { dir, remove } = tempConfig();
    try {
      writeFileSync(join(dir, "quote.subject"), "Our offer {{number}}\n");
      const t = loadTemplate("quote", dir);
      expect(t.subject).toBe("Our offer {{number}}");
      expect(t.text).toBe(BUILT_IN_TEMPLATES.quote?.text);
      writeFileSync(join(dir, "bill.html"), "<p>x</p>");
      expect(() => loadTemplate("bill", dir)).toThrow(MailError);
      mkdirSync(join(dir, "sub"));
      expect(() => loadTemplate("bill", join(dir, "missing"))).toThrow(MailError);
    } finally {
      remove();
    }
  });
});
