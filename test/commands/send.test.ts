import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { runCli, tempConfig, type TempConfig } from "../helpers/cli.js";
import { setSetting } from "../helpers/profiles.js";
import { COMPANY_EMAIL, JDOE_EMAIL, startMailWorld, type MailWorld } from "../helpers/mail-server.js";
import { attachmentNamed, parseMime, partOfType } from "../helpers/mime.js";
import { ConfigStore } from "../../src/config/store.js";

describe("mailcfg send", () => {
  let tmp: TempConfig;
  let cfg: string;
  let world: MailWorld;
  beforeEach(async () => {
    tmp = tempConfig();
    cfg = join(tmp.dir, "config");
    mkdirSync(cfg);
    world = await startMailWorld(cfg);
  });
  afterEach(async () => {
    await world.server.close();
    tmp.remove();
  });

  const send = (args: string[], env: Record<string, string> = {}) => runCli(["send", "--ca", world.caFile, ...args], { dir: cfg, env });
  const invoiceVars = ["--var", "number=INV-1001", "--var", "customer=Acme & Sons <Ltd>"];

  it("sends a user document from the acting user's User Email, attachments intact, headers right", async () => {
    const pdf = join(tmp.dir, "INV-1001.pdf");
    const bin = randomBytes(300_000);
    writeFileSync(pdf, bin);
    const notes = join(tmp.dir, "notes ü.txt");
    writeFileSync(notes, "line one\r\nline two ü\n");
    const r = await send([
      "--doc", "invoice", "--user", "jdoe",
      "--to", "ap@customer.test,boss@customer.test", "--cc", "cc@customer.test", "--bcc", "audit@acme.test",
      "--attach", pdf, "--attach", notes, ...invoiceVars, "--json",
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const j = r.json<{ messageId: string; from: string; response: string; route: { sender: string; fallback: boolean } }>();
    expect(j.from).toBe(JDOE_EMAIL);
    expect(j.route).toMatchObject({ sender: "user", fallback: false });
    expect(j.response).toContain("Message accepted");

    expect(world.server.messages).toHaveLength(1);
    const m = world.server.messages[0]!;
    expect(m.user).toBe(JDOE_EMAIL); // logged in as jdoe, not the company
    expect(m.from).toBe(JDOE_EMAIL);
    expect(m.to.sort()).toEqual(["ap@customer.test", "audit@acme.test", "boss@customer.test", "cc@customer.test"]);
    const mime = parseMime(m.raw);
    expect(mime.headers.get("from")).toBe(JDOE_EMAIL);
    expect(mime.headers.get("to")).toBe("ap@customer.test, boss@customer.test");
    expect(mime.headers.get("cc")).toBe("cc@customer.test");
    expect(mime.headers.has("bcc")).toBe(false);
    expect(mime.headers.get("subject")).toBe("Invoice INV-1001");
    expect(mime.headers.get("message-id")).toBe(j.messageId);
    expect(attachmentNamed(mime, "INV-1001.pdf")?.equals(bin)).toBe(true);
    const notesPart = [...mime.parts.flatMap((p) => [p, ...p.parts])].find((p) => (p.headers.get("content-disposition") ?? "").includes("notes"));
    expect(notesPart?.body.equals(readFileSync(notes))).toBe(true);
    expect(partOfType(mime, "text/plain")).toContain("Dear Acme & Sons <Ltd>,");
    expect(partOfType(mime, "text/html")).toContain("Dear Acme &amp; Sons &lt;Ltd&gt;,");

    const profile = (await ConfigStore.open(cfg)).getProfile({ kind: "user", id: "jdoe" });
    expect(profile?.lastUsedAt).toBeDefined();
  });

  it("sends a company document from the Company Email even when a user acts", async () => {
    const r = await send(["--doc", "overdue-invoice-reminder", "--user", "jdoe", "--to", "ap@customer.test", "--var", "customer=Acme", "--var", "number=INV-9", "--var", "amount=$10", "--var", "due_date=2026-11-01"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`from ${COMPANY_EMAIL}`);
    expect(r.stdout).toMatch(/Message-ID: <.+@acme\.test>/);
    expect(r.stdout).toContain("server:     250");
    expect(world.server.messages[0]?.user).toBe(COMPANY_EMAIL);
    expect(parseMime(world.server.messages[0]!.raw).headers.get("subject")).toBe("Reminder: invoice INV-9 is overdue");
  });

  it("falls back to the Company Email for a user without a User Email", async () => {
    const r = await send(["--doc", "sales-order", "--user", "amy", "--to", "buyer@customer.test", "--var", "number=SO-1", "--var", "customer=Acme", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ from: COMPANY_EMAIL, route: { sender: "company", fallback: true, user: "amy" } });
    expect(world.server.messages[0]?.user).toBe(COMPANY_EMAIL);
  });

  it("ship confirmation follows the app setting", async () => {
    await setSetting(cfg, "ship-confirmation-sender", "user");
    const r = await send(["--doc", "ship-confirmation", "--user", "jdoe", "--to", "b@customer.test", "--var", "number=SO-2", "--var", "customer=A", "--var", "tracking=1Z"]);
    expect(r.code, r.stderr).toBe(0);
    expect(world.server.messages[0]?.user).toBe(JDOE_EMAIL);
  });

  it("--dry-run sends nothing and writes the message as .eml", async () => {
    const eml = join(tmp.dir, "out.eml");
    const pdf = join(tmp.dir, "a.bin");
    const bin = randomBytes(5000);
    writeFileSync(pdf, bin);
    const r = await send(["--doc", "invoice", "--user", "jdoe", "--to", "x@customer.test", "--bcc", "audit@acme.test", "--attach", pdf, ...invoiceVars, "--dry-run", "--eml", eml, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(world.server.messages).toHaveLength(0);
    const j = r.json<{ dryRun: boolean; messageId: string; route: { sender: string } }>();
    expect(j.dryRun).toBe(true);
    expect(j.route.sender).toBe("user");
    const mime = parseMime(readFileSync(eml));
    expect(mime.headers.get("message-id")).toBe(j.messageId);
    expect(mime.headers.get("from")).toBe(JDOE_EMAIL);
    expect(mime.headers.get("bcc")).toBe("audit@acme.test");
    expect(attachmentNamed(mime, "a.bin")?.equals(bin)).toBe(true);
  });

  it("uses a template from the templates-dir folder", async () => {
    const dir = join(tmp.dir, "templates");
    mkdirSync(dir);
    writeFileSync(join(dir, "invoice.subject"), "Your bill {{number}} from {{sender}}\n");
    writeFileSync(join(dir, "invoice.txt"), "Hi {{customer}}, ref {{po}}.\n");
    writeFileSync(join(dir, "invoice.html"), "<b>Hi {{customer}}</b>, ref {{po}}.");
    await setSetting(cfg, "templates-dir", dir);
    const missing = await send(["--doc", "invoice", "--to", "x@customer.test", ...invoiceVars]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("po");
    const r = await send(["--doc", "invoice", "--to", "x@customer.test", ...invoiceVars, "--var", "po=PO-5"]);
    expect(r.code, r.stderr).toBe(0);
    const mime = parseMime(world.server.messages[0]!.raw);
    expect(mime.headers.get("subject")).toBe(`Your bill INV-1001 from ${COMPANY_EMAIL}`);
    expect(partOfType(mime, "text/html")).toContain("<b>Hi Acme &amp; Sons &lt;Ltd&gt;</b>, ref PO-5.");
  });

  describe("input checks: exit 2, nothing sent", () => {
    it.each([
      ["a bad --to address", ["--to", "ap@customer", ...invoiceVars], "--to"],
      ["a bad --cc among good ones", ["--to", "ok@customer.test", "--cc", "ok2@customer.test,not an address", ...invoiceVars], "--cc"],
      ["a missing attachment", ["--to", "ok@customer.test", "--attach", "/no/such/file.pdf", ...invoiceVars], "no such file"],
      ["a folder as attachment", ["--to", "ok@customer.test", "--attach", "/tmp", ...invoiceVars], "not a file"],
      ["a subject with a line break", ["--to", "ok@customer.test", "--subject", "Hi\r\nBcc: victim@x.test", ...invoiceVars], "--subject"],
      ["a variable with a line break used in the subject", ["--to", "ok@customer.test", "--var", "number=1\r\nBcc: victim@x.test", "--var", "customer=A"], "--var number"],
      ["variables not given", ["--to", "ok@customer.test"], "number, customer"],
      ["a malformed --var", ["--to", "ok@customer.test", "--var", "justtext", ...invoiceVars], "--var \"justtext\""],
    ])("%s", async (_name, args, words) => {
      const before = readFileSync(join(cfg, "config.json"), "utf8");
      const r = await send(["--doc", "invoice", "--user", "jdoe", ...args, "--json"]);
      expect(r.code).toBe(2);
      const j = r.json<{ error: { category: string; message: string } }>();
      expect(j.error.category).toBe("usage");
      expect(j.error.message).toContain(words);
      expect(world.server.messages).toHaveLength(0);
      expect(readFileSync(join(cfg, "config.json"), "utf8")).toBe(before);
    });

    it("lists every bad item, one line each", async () => {
      const r = await send(["--doc", "invoice", "--to", "a@,b@customer.test,c", "--attach", "/no/file", "--json"]);
      expect(r.code).toBe(2);
      const lines = r.json<{ error: { message: string } }>().error.message.split("\n").filter((l) => l.startsWith("  - "));
      expect(lines).toHaveLength(4); // two addresses, one attachment, the variables
    });

    it("refuses an attachment over the size limit", async () => {
      await setSetting(cfg, "attachment-limit-mb", 0.001);
      const big = join(tmp.dir, "big.pdf");
      writeFileSync(big, randomBytes(2048));
      const r = await send(["--doc", "invoice", "--to", "ok@customer.test", "--attach", big, ...invoiceVars]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("limit");
      expect(world.server.messages).toHaveLength(0);
    });

    it("refuses an unknown kind with the closest match", async () => {
      const r = await send(["--doc", "invioce", "--to", "ok@customer.test"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('"invoice"');
    });

    it("--eml into a folder that does not exist is a usage error", async () => {
      const r = await send(["--doc", "invoice", "--to", "ok@customer.test", ...invoiceVars, "--dry-run", "--eml", join(tmp.dir, "no", "x.eml")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--eml");
    });

    it("--eml without --dry-run is refused", async () => {
      const r = await send(["--doc", "invoice", "--to", "ok@customer.test", ...invoiceVars, "--eml", join(tmp.dir, "x.eml")]);
      expect(r.code).toBe(2);
      expect(existsSync(join(tmp.dir, "x.eml"))).toBe(false);
      expect(world.server.messages).toHaveLength(0);
    });
  });

  it("a recipient the server refuses is a rejected failure (exit 6) with the server's reply", async () => {
    await world.server.close();
    const cfg2 = join(tmp.dir, "config2");
    mkdirSync(cfg2);
    world = await startMailWorld(cfg2, { rejectRecipients: ["nobody@customer.test"] });
    const r = await runCli(["send", "--ca", world.caFile, "--doc", "deposit-link", "--to", "nobody@customer.test", "--var", "customer=A", "--var", "number=SO-1", "--var", "amount=5", "--var", "link=https://pay.test/x", "--json"], { dir: cfg2 });
    expect(r.code).toBe(6);
    expect(r.json()).toMatchObject({ ok: false, error: { category: "rejected" } });
    expect(JSON.stringify(r.json())).toContain("5.1.1");
  });

  it("no Company Email for a company document: not configured, exit 7, nothing sent", async () => {
    const cfg3 = join(tmp.dir, "config3");
    mkdirSync(cfg3);
    const r = await runCli(["send", "--doc", "deposit-link", "--to", "a@customer.test", "--var", "customer=A", "--var", "number=1", "--var", "amount=5", "--var", "link=https://pay.test/x"], { dir: cfg3 });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("mailcfg setup company");
  });

  it("a wrong saved password is an auth failure (exit 3), and the password is not printed", async () => {
    const { FileSecretStore } = await import("../../src/config/secrets.js");
    await new FileSecretStore(cfg).set("company/password", "fake-wrong-password-9");
    const r = await send(["--doc", "user-notification", "--to", "a@customer.test", "--var", "title=Hi", "--var", "message=Hello"]);
    expect(r.code).toBe(3);
    expect(r.stderr + r.stdout).not.toContain("fake-wrong-password-9");
  });
});
