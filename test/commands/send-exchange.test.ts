import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeEws, type FakeEws } from "../helpers/fake-ews.js";
import { TempConfig } from "../helpers/cli.js";

// Exchange profiles send documents through the same provider interface as SMTP:
// routing picks the sender, the EWS provider delivers (issue: Exchange service type).
const PASSWORD = "fake-password-123";
let server: FakeEws;
let cfg: TempConfig;

beforeEach(async () => {
  server = await startFakeEws({
    users: {
      "acme.com\\sales": { password: PASSWORD, mailbox: "sales@acme.com" },
      "acme.com\\jdoe": { password: "fake-password-456", mailbox: "jdoe@acme.com" },
    },
  });
  cfg = new TempConfig();
  for (const [owner, user, email, pw] of [
    [["company"], "sales", "sales@acme.com", PASSWORD],
    [["user", "jdoe"], "jdoe", "jdoe@acme.com", "fake-password-456"],
  ] as const) {
    const r = await cfg.run(
      ["setup", ...owner, "--type", "exchange", "--ews-url", server.url, "--domain", "acme.com", "--username", user, "--email", email, "--no-validate"],
      { env: { MAILCFG_PASSWORD: pw } },
    );
    expect(r.code, r.stderr).toBe(0);
  }
});
afterEach(async () => {
  await server.close();
  cfg.remove();
});

describe("send --doc through Exchange profiles", () => {
  it("a user's invoice goes from the user's Exchange mailbox, with the attachment intact and the Message-ID kept", async () => {
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0x7f, 0x80]);
    const file = join(cfg.dir, "INV-1001.pdf");
    writeFileSync(file, pdf);
    const r = await cfg.run(
      ["send", "--doc", "invoice", "--user", "jdoe", "--to", "ap@customer.test", "--cc", "boss@customer.test", "--attach", file,
        "--var", "number=INV-1001", "--var", "customer=Fish & Chips Ltd", "--json"],
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const m = server.sent.at(-1)!;
    expect(m.login).toBe("acme.com\\jdoe");
    expect(m.to).toEqual(["ap@customer.test"]);
    expect(m.cc).toEqual(["boss@customer.test"]);
    expect(m.subject).toContain("INV-1001");
    expect(m.attachments.map((a) => a.name)).toEqual(["INV-1001.pdf"]);
    expect(m.attachments[0]?.content.equals(pdf)).toBe(true);
    expect(m.internetMessageId).toBe((r.json() as { messageId?: string }).messageId);
  });

  it("an automatic document goes from the company's Exchange mailbox; a queued one too", async () => {
    const vars = ["--var", "number=SO-7", "--var", "customer=Acme", "--var", "tracking=1Z999"];
    const r = await cfg.run(["send", "--doc", "ship-confirmation", "--user", "jdoe", "--to", "buyer@customer.test", ...vars]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.sent.at(-1)?.login).toBe("acme.com\\sales");

    expect((await cfg.run(["queue", "add", "--doc", "sales-order", "--user", "jdoe", "--to", "buyer@customer.test", ...vars])).code).toBe(0);
    const run = await cfg.run(["queue", "run", "--json"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(server.sent.at(-1)).toMatchObject({ login: "acme.com\\jdoe", to: ["buyer@customer.test"] });
  });

  it("a wrong saved password is auth (exit 3) and the password is never printed", async () => {
    await cfg.run(["setup", "company", "--type", "exchange", "--ews-url", server.url, "--domain", "acme.com", "--username", "sales", "--email", "sales@acme.com", "--no-validate"], {
      env: { MAILCFG_PASSWORD: "fake-wrong-password" },
    });
    const r = await cfg.run(["send", "--doc", "deposit-link", "--to", "buyer@customer.test", "--var", "number=SO-1", "--var", "customer=A", "--var", "amount=1", "--var", "link=https://pay.example/x", "--json"]);
    expect(r.code, r.stdout).toBe(3);
    expect(r.json().error?.category).toBe("auth");
    expect(r.stdout + r.stderr).not.toContain("fake-wrong-password");
  });
});
