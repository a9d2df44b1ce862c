import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { PRODUCT_MESSAGES } from "../../src/diagnosis/product-messages.js";

describe("mailcfg explain", () => {
  it("explains a Gmail reply given as arguments: category, product message, provider, cause, steps, check", async () => {
    const r = await runCli(["explain", "534-5.7.9", "Application-specific", "password", "required.", "-", "gsmtp"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Category: auth");
    expect(r.stdout).toContain(`The product shows: "${PRODUCT_MESSAGES.auth}"`);
    expect(r.stdout).toContain("Provider: Gmail");
    expect(r.stdout).toMatch(/Cause: Gmail refused the account's normal password/);
    expect(r.stdout).toMatch(/ {2}1\. Turn on 2-Step Verification/);
    expect(r.stdout).toMatch(/ {2}2\. Create an App Password/);
    expect(r.stdout).toContain("Check with: mailcfg diagnose company|user <id> --stop-after auth");
    expect(r.stdout).toContain("5.7.9: permanent failure; security or policy status: authentication mechanism is too weak");
  });

  it("reads the text from standard input when no text (or '-') is given", async () => {
    const text = "Error: connect ECONNREFUSED 127.0.0.1:587\n    at TCPConnectWrap.afterConnect";
    for (const argv of [["explain", "--json"], ["explain", "-", "--json"]]) {
      const r = await runCli(argv, { stdin: text });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ ok: true, category: "server", code: "ECONNREFUSED", provider: null, rowId: "connection-refused" });
      expect(doc.fix[0]).toMatch(/Check the Outgoing Mail Server and Port/);
      expect(doc.check).toBe("mailcfg diagnose company|user <id> --stop-after tcp");
    }
  });

  it("--json carries category, cause, fix, provider, code, codes, productMessage and check", async () => {
    const r = await runCli(["explain", "--json", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."]);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      category: "auth",
      provider: "Microsoft 365",
      code: "5.7.139",
      codes: ["5.7.139", "535"],
      productMessage: PRODUCT_MESSAGES.auth,
      exitCode: 3,
      recognized: true,
    });
    expect(doc.cause).toMatch(/turned off for the whole Microsoft 365 tenant/);
    expect(doc.fix.join(" ")).toMatch(/Set-CASMailbox/);
    expect(r.stderr).toBe("");
  });

  it("says honestly when it does not recognise the text, and still reads its codes", async () => {
    const r = await runCli(["explain", "--json", "the relay said 2.6.0 and gave up"]);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ category: "unknown", recognized: false, provider: null, code: "2.6.0", codes: ["2.6.0"] });
    expect(doc.meanings[0].meaning).toBe("success; message content or media status: other or undefined media error");
    const human = await runCli(["explain", "the relay said 2.6.0 and gave up"]);
    expect(human.stdout).toContain("Category: unknown (not recognised)");
    expect(human.stdout).toMatch(/does not recognise this text/);
  });

  it("reads the meaning of a status code when no row knows the words", async () => {
    const r = await runCli(["explain", "--json", "the relay said 4.4.7 and gave up"]);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ category: "server", recognized: true, rowId: "signal:enhanced-4.4.7", code: "4.4.7" });
    expect(doc.source).toMatch(/RFC 3463/);
  });

  it("refuses empty input with a usage error (exit 2)", async () => {
    const r = await runCli(["explain", "--json"], { stdin: "  \n" });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.category).toBe("usage");
  });
});
