import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { MB, readBoundedText } from "../config/files.js";

/** A template is a page of text; anything larger is a mistake (or /dev/zero). */
const TEMPLATE_LIMIT = MB;

/**
 * A message template: subject, plain text and (optionally) HTML with {{variables}}.
 * Without HTML, the HTML part is made from the text, paragraph by paragraph.
 */
export interface Template {
  subject: string;
  text: string;
  html?: string;
}

/**
 * Variables every template may use without --var, filled in from the sender profile:
 * `sender` is its address, `signature` its signature (or display name and address),
 * `name` its display name (or address).
 */
export const BUILT_IN_VARIABLES = ["sender", "signature", "name", "date"] as const;

const doc = (what: string, party: "customer" | "vendor"): Template => ({
  subject: `${what} {{number}}`,
  text: `Dear {{${party}}},\n\nPlease find attached ${what} {{number}}.\n\nKind regards,\n{{signature}}\n`,
});

const automatic = (subject: string, body: string, party: "customer" | "vendor" = "customer"): Template => ({
  subject,
  text: `Dear {{${party}}},\n\n${body}\n\nKind regards,\n{{signature}}\n\nThis message was sent automatically on {{date}}.\n`,
});

const paymentLink = (what: string): Template => ({
  subject: `${what} for {{number}}`,
  text: `Dear {{customer}},\n\nPlease use this secure link to pay {{amount}} for {{number}}:\n{{link}}\n\nKind regards,\n{{signature}}\n`,
  html:
    "<p>Dear {{customer}},</p>\n" +
    `<p>Please use this secure link to pay {{amount}} for {{number}}:<br>\n<a href="{{link}}">{{link}}</a></p>\n` +
    "<p>Kind regards,<br>\n{{signature}}</p>\n",
});

/** The built-in template of every document kind, by kind id. */
export const BUILT_IN_TEMPLATES: Readonly<Record<string, Template>> = {
  "deposit-link": paymentLink("Deposit payment link"),
  "invoice-payment-link": paymentLink("Payment link"),
  "user-notification": { subject: "{{title}}", text: "{{message}}\n\n-- \nSent by the business system on {{date}}.\n" },
  "overdue-invoice-reminder": automatic(
    "Reminder: invoice {{number}} is overdue",
    "Invoice {{number}} for {{amount}} was due on {{due_date}} and is still open. Please arrange payment at your earliest convenience.",
  ),
  "so-allocation-confirmation": automatic("Sales order {{number}}: items allocated", "The items of your sales order {{number}} have been allocated."),
  "ship-confirmation": automatic("Sales order {{number}} has shipped", "Your order {{number}} has shipped. Tracking number: {{tracking}}."),
  "bill-payment-confirmation": automatic("Payment of bill {{number}}", "We have paid bill {{number}} ({{amount}}).", "vendor"),
  "order-release-confirmation": automatic("Sales order {{number}} released", "Your sales order {{number}} has been released for fulfilment."),
  "packing-slip-with-invoice": automatic("Invoice {{number}} and packing slip", "Please find attached invoice {{number}} and its packing slip."),
  "goods-received-notification": automatic("Goods received for purchase order {{number}}", "We have received the goods of purchase order {{number}}.", "vendor"),
  "sales-order": doc("Sales Order", "customer"),
  "purchase-order": doc("Purchase Order", "vendor"),
  quote: doc("Quote", "customer"),
  invoice: doc("Invoice", "customer"),
  "credit-memo": doc("Credit Memo", "customer"),
  "packing-slip": doc("Packing Slip", "customer"),
  "return-authorization": doc("Return Authorization", "customer"),
  "item-receipt": doc("Item Receipt", "vendor"),
  bill: doc("Bill", "vendor"),
};

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Every variable a template uses, in order of first use. */
export function templateVariables(t: Template): string[] {
  const seen = new Set<string>();
  for (const part of [t.subject, t.text, t.html ?? ""]) for (const m of part.matchAll(VARIABLE)) if (m[1]) seen.add(m[1]);
  return [...seen];
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

export interface Rendered {
  subject: string;
  text: string;
  /** A whole HTML document (doctype, charset, a plain readable layout). */
  html: string;
}

/** Variables whose HTML form is given as HTML (a signature's HTML), not escaped text. */
export type HtmlVariables = Readonly<Record<string, string>>;

const textToHtml = (s: string) => escapeHtml(s).replace(/\n/g, "<br>\n");

/**
 * Fills in the variables: as they are in subject and text, HTML-escaped in HTML (or as
 * given in `htmlVars`). Without an HTML template, the HTML is made from the text
 * template paragraph by paragraph. The HTML part is always a whole document: mail
 * clients render a bare fragment in quirks mode with their own guess of the charset.
 */
export function renderTemplate(t: Template, vars: Readonly<Record<string, string>>, htmlVars: HtmlVariables = {}): Rendered {
  const asIs = (_name: string, v: string) => v;
  const text = fillWith(t.text, vars, asIs);
  const subject = fillWith(t.subject, vars, asIs);
  const htmlValue = (escape: (s: string) => string) => (name: string, v: string) => htmlVars[name] ?? escape(v);
  const body =
    t.html !== undefined
      ? fillWith(t.html, vars, htmlValue(escapeHtml))
      : t.text
          .trim()
          .split(/\n{2,}/)
          .map((p) => `<p>${fillWith(textToHtml(p), vars, htmlValue(textToHtml))}</p>`)
          .join("\n") + "\n";
  return { subject, text, html: htmlDocument(body, subject) };
}

function fillWith(text: string, vars: Readonly<Record<string, string>>, value: (name: string, v: string) => string): string {
  return text.replace(VARIABLE, (whole, name: string) => {
    // Own keys only: {{constructor}} is a variable like any other, not Object's.
    const v = Object.hasOwn(vars, name) ? vars[name] : undefined;
    return v === undefined ? whole : value(name, v);
  });
}

/** A body fragment as a whole HTML document; a template that is one already is kept as it is. */
export function htmlDocument(body: string, title: string): string {
  if (/^\s*(<!doctype|<html)/i.test(body)) return body;
  return (
    "<!DOCTYPE html>\n" +
    '<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(title)}</title>\n</head>\n` +
    '<body style="margin:0;padding:24px;background:#ffffff;color:#222222;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;">\n' +
    '<div style="max-width:600px;">\n' +
    body +
    (body.endsWith("\n") ? "" : "\n") +
    "</div>\n</body>\n</html>\n"
  );
}

/**
 * The template for a kind: the built-in one, with any part found in the templates
 * folder in its place: `<kind>.subject` (one line), `<kind>.txt`, `<kind>.html`.
 * An HTML body needs its plain-text part beside it.
 */
export function loadTemplate(kind: string, templatesDir: string | undefined): Template & { source: string } {
  const builtIn = Object.hasOwn(BUILT_IN_TEMPLATES, kind) ? BUILT_IN_TEMPLATES[kind] : undefined;
  if (!builtIn) throw new UsageError(`There is no template for the document kind "${kind}".`);
  if (!templatesDir) return { ...builtIn, source: "built-in" };
  if (!existsSync(templatesDir) || !statSync(templatesDir).isDirectory()) {
    throw new UsageError(
      `The templates-dir setting names "${templatesDir}", which is not a folder.`,
      "Create it, or remove the setting: mailcfg config unset templates-dir",
    );
  }
  // Bounded: a FIFO or a device in the templates folder is refused, not waited on.
  const read = (name: string): string | undefined => readBoundedText(join(templatesDir, name), { label: "Template", maxBytes: TEMPLATE_LIMIT });
  const subject = read(`${kind}.subject`)?.replace(/\r?\n$/, "");
  const text = read(`${kind}.txt`);
  const html = read(`${kind}.html`);
  if (html !== undefined && text === undefined) {
    throw new UsageError(`Template ${join(templatesDir, `${kind}.html`)} has no plain-text part: add ${kind}.txt beside it.`);
  }
  if (subject === undefined && text === undefined) return { ...builtIn, source: "built-in" };
  const t: Template & { source: string } = {
    subject: subject ?? builtIn.subject,
    text: text ?? builtIn.text,
    source: templatesDir,
  };
  // Built-in HTML goes with the built-in text only; an overridden text brings its own (or derived) HTML.
  if (text !== undefined) {
    if (html !== undefined) t.html = html;
  } else if (builtIn.html !== undefined) {
    t.html = builtIn.html;
  }
  return t;
}
