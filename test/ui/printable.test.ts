import { describe, expect, it } from "vitest";
import { printable } from "../../src/ui/printable.js";
import { renderError } from "../../src/ui/render.js";
import { makeTheme } from "../../src/ui/theme.js";
import { MailError } from "../../src/errors.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, useRig, webmailFlags } from "../helpers/smtp-rig.js";

const ESC = "\u001b";
const rig = useRig();

describe("text printed to a terminal", () => {
  it.each([
    ["an escape sequence", `Invoice ${ESC}[2J${ESC}]0;owned${ESC}\\`],
    ["a carriage return", "Invoice 1\rInvoice 2"],
    ["a C1 control", "Invoice \u009b31m"],
    ["a bidi override", "Invoice \u202eFDP.exe"],
  ])("%s is shown as inert text", (_name, text) => {
    const shown = printable(text);
    // eslint-disable-next-line no-control-regex
    expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(shown).toContain("Invoice");
  });

  it("keeps newlines and tabs", () => {
    expect(printable("a\tb\nc")).toBe("a\tb\nc");
  });

  it("an error's message and evidence from a server cannot move the cursor or retitle the terminal", () => {
    const err = new MailError("server", `Server said ${ESC}[2J`, { evidence: `550 ${ESC}]0;pwned\u0007` });
    expect(renderError(err, makeTheme(false))).not.toContain(ESC);
  });

  it("send shows a subject with escape sequences without them acting", async () => {
    const dir = tempDir();
    expect((await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", rig.caFile), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } })).code).toBe(0);
    const r = await runCli(
      ["send", "--doc", "invoice", "--to", "buyer@customer.test", "--var", "number=INV-1", "--var", "customer=Acme", "--subject", `Invoice ${ESC}[31mRED${ESC}[0m {{number}}`, "--dry-run"],
      { dir },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("subject:");
    expect(r.stdout).toContain("\\x1b[31mRED");
    expect(r.stdout).not.toContain(ESC);
  });
});

describe("diagnose shows what a hostile server says without obeying it", () => {
  it("a greeting and a refusal full of escape sequences", async () => {
    const { startRawSmtp } = await import("../helpers/misbehaving-servers.js");
    const server = await startRawSmtp({ greeting: `554 ${ESC}[2J${ESC}]0;pwned\u0007 go away` });
    try {
      const r = await runCli(["diagnose", "--type", "webmail", "--host", "127.0.0.1", "--port", String(server.port), "--security", "none", "--email", "sales@acme.test", "--timeout", "2", "--transcript"], {
        env: { MAILCFG_PASSWORD: PASSWORD },
      });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain("go away");
      expect(r.stdout + r.stderr).not.toContain(ESC);
      expect(r.stdout + r.stderr).not.toContain("\u0007");
    } finally {
      await server.close();
    }
  });
});
