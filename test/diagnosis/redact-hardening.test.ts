import { describe, expect, it } from "vitest";
import { redact } from "../../src/diagnosis/redact.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("redact: secrets that used to slip through", () => {
  it.each(["x", "pw", "7"])("a secret of %j characters is still masked where it stands", (secret) => {
    const out = redact(`C: ${b64(secret)}\nS: 535 bad password ${secret} for sales@acme.test`, [secret]);
    expect(out).not.toContain(b64(secret));
    expect(out).toMatch(/bad password \*\*\*\* for sales@acme\.test/);
    // The rest of the text stays readable.
    expect(out).toContain("sales@acme.test");
  });

  it.each(["fake-password-123", "fake-pw4", "abc"])("an AUTH PLAIN blob a server echoes is masked whole (%s)", (secret) => {
    const blob = b64(`\0sales@acme.test\0${secret}`);
    const out = redact(`S: 535 5.7.8 Authentication failed for ${blob} please retry`, [secret]);
    expect(out).toBe("S: 535 5.7.8 Authentication failed for **** please retry");
  });
});

describe("redact: short secrets do not hide everything", () => {
  it("a 1-character secret masks AUTH PLAIN and Basic blobs that carry it, not every token with its letter", () => {
    const id = b64("message-id-xyz-1234");
    const plain = b64("\0sales@acme.test\0x");
    const out = redact(`S: 535 failed ${plain}; Message ${id}`, ["x"]);
    expect(out).toBe(`S: 535 failed ****; Message ${id}`);
  });
});
