import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOC_KINDS } from "../../src/routing/catalogue.js";
import { BUILT_IN_TEMPLATES, templateVariables } from "../../src/send/templates.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, USER, useRig, webmailFlags } from "../helpers/smtp-rig.js";
import { parseMime, partOfType } from "../helpers/mime.js";


const dir = tempDir();
const sigHtml = join(tempDir(), "sig.html");
writeFileSync(sigHtml, '<p class="sig"><b>Acme Sales</b><br>+1 555 0100</p>\n');

async function setUp(): Promise<void> {
  const env = { MAILCFG_PASSWORD: "fake-password-123" };
  const base = ["--host", "127.0.0.1", "--port", "587", "--security", "starttls", "--no-validate"];
  const company = await runCli(
    ["setup", "company", ...base, "--email", "sales@acme.test", "--name", "Acme Sales", "--signature", "The Acme Sales team\\n+1 555 0100", "--signature-html-file", sigHtml],
    { dir, env },
  );
  expect(company.code, company.stderr).toBe(0);
  // No --name: the default is the user id.
  const user = await runCli(["setup", "user", "jdoe", ...base, "--email", "jdoe@acme.test", "--signature", "John Doe, Acme"], { dir, env });
  expect(user.code, user.stderr).toBe(0);
}

describe("messages to customers: display name, signature, a whole HTML document", () => {
  it.each(DOC_KINDS.map((k) => [k.id]))("%s", async (kind) => {
    if (!readFileSafe(join(dir, "config.json"))) await setUp();
    const vars = templateVariables(BUILT_IN_TEMPLATES[kind]!).flatMap((v) => ["--var", `${v}=V-${v}`]);
    const eml = join(dir, `${kind}.eml`);
    const r = await runCli(["send", "--doc", kind, "--user", "jdoe", "--to", "buyer@customer.test", ...vars, "--dry-run", "--eml", eml, "--json"], { dir });
    expect(r.code, r.stderr).toBe(0);
    const bySender = (r.json().route as { sender: string }).sender;
    const mime = parseMime(readFileSync(eml));
    const text = partOfType(mime, "text/plain") ?? "";
    const html = partOfType(mime, "text/html") ?? "";

    // No header of ours goes to a customer.
    expect([...mime.headers.keys()].filter((h) => h.startsWith("x-mailcfg"))).toEqual([]);
    // A whole HTML document, in UTF-8.
    expect(html).toMatch(/^<!DOCTYPE html>\r?\n<html lang="en">/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<\/body>\r?\n<\/html>/);
    expect(mime.headers.get("content-type") ?? "").toMatch(/multipart\/alternative|multipart\/mixed/);

    if (kind === "user-notification") return; // mail to another user of the system: no customer signature
    if (bySender === "company") {
      expect(mime.headers.get("from")).toMatch(/^"?Acme Sales"? <sales@acme\.test>$/);
      expect(text).toMatch(/The Acme Sales team\r?\n\+1 555 0100/);
      expect(html).toContain('<p class="sig"><b>Acme Sales</b><br>+1 555 0100</p>');
    } else {
      expect(mime.headers.get("from")).toBe("jdoe <jdoe@acme.test>");
      expect(text).toContain("John Doe, Acme");
      expect(html).toContain("John Doe, Acme");
    }
    // The signature replaces the bare address at the end of the message.
    expect(text).not.toMatch(/\n(sales|jdoe)@acme\.test\s*$/);
  });
});

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

describe("the queue sends with the display name the profile has when it sends", () => {
  const rig = useRig();
  it("queue run: From carries the name; no X-Mailcfg header reaches the server", async () => {
    const qdir = tempDir();
    const setup = await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", rig.caFile), "--name", "Acme Sales"], { dir: qdir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(setup.code, setup.stderr).toBe(0);
    const add = await runCli(["queue", "add", "--doc", "ship-confirmation", "--to", "buyer@customer.test", "--var", "number=SO-7", "--var", "customer=Acme", "--var", "tracking=1Z"], { dir: qdir });
    expect(add.code, add.stderr).toBe(0);
    const before = rig.starttls.messages.length;
    const r = await runCli(["queue", "run", "--ca", rig.caFile], { dir: qdir });
    expect(r.code, r.stderr).toBe(0);
    const sent = rig.starttls.messages.slice(before);
    expect(sent).toHaveLength(1);
    const mime = parseMime(sent[0]!.raw);
    expect(mime.headers.get("from")).toBe(`Acme Sales <${USER}>`);
    expect([...mime.headers.keys()].filter((h) => h.startsWith("x-mailcfg"))).toEqual([]);
  });
});
