import { describe, expect, it } from "vitest";
import { redact, redactDeep, secretForms } from "../../src/diagnosis/redact.js";
import { Transcript } from "../../src/diagnosis/transcript.js";

const PASSWORD = "fake-password-123";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("redact", () => {
  it.each([
    ["plain", `the password is ${PASSWORD}.`],
    ["base64", `334 UGFzc3dvcmQ6\n${b64(PASSWORD)}`],
    ["AUTH PLAIN blob on its own line", `C: AUTH PLAIN\nS: 334\nC: ${b64(`\0sales@acme.test\0${PASSWORD}`)}`],
    ["HTTP Basic blob", `Authorization: Basic ${b64(`company.com\\jdoe:${PASSWORD}`)}`],
    ["base64 at every offset", [0, 1, 2, 3, 4, 5].map((n) => b64("x".repeat(n) + PASSWORD + "y".repeat(n))).join(" ")],
    ["URL-encoded", `password=${encodeURIComponent(PASSWORD)}&user=x`],
    ["JSON-escaped", JSON.stringify({ note: `said ${PASSWORD}` })],
  ])("masks the password %s", (_name, text) => {
    const out = redact(text, [PASSWORD]);
    expect(out).toContain("****");
    expect(out).not.toContain(PASSWORD);
    for (const form of [b64(PASSWORD), b64(`\0sales@acme.test\0${PASSWORD}`)]) expect(out).not.toContain(form);
  });

  it("masks a secret with quotes and backslashes as JSON prints it", () => {
    const secret = 'p"w\\d-42';
    expect(redact(JSON.stringify({ x: secret }), [secret])).toBe('{"x":"****"}');
  });

  it("masks AUTH payloads and tokens even without knowing the secret", () => {
    expect(redact("C: AUTH PLAIN AHVzZXIAcGFzcw==")).toBe("C: AUTH PLAIN ****");
    expect(redact("C: AUTH XOAUTH2 dXNlcj1hAWF1dGg9QmVhcmVyIHh4eAEB")).toBe("C: AUTH XOAUTH2 ****");
    expect(redact("Authorization: Bearer ya29.a0AfB_byC")).toBe("Authorization: Bearer ****");
    expect(redact('{"refresh_token":"1//0gabc","access_token":"ya29.x"}')).toBe('{"refresh_token":"****","access_token":"****"}');
  });

  it("leaves an EHLO reply's mechanism list alone", () => {
    expect(redact("S: 250-AUTH PLAIN LOGIN XOAUTH2")).toBe("S: 250-AUTH PLAIN LOGIN XOAUTH2");
    expect(redact("STARTTLS, AUTH LOGIN PLAIN, SIZE 1000")).toBe("STARTTLS, AUTH LOGIN PLAIN, SIZE 1000");
  });

  it("redactDeep masks every string in a JSON-bound value, keys and shape kept", () => {
    const secret = '","';
    const value = { a: [`x${secret}y`, 3, null], b: { c: `pw ${PASSWORD}` } };
    expect(redactDeep(value, [secret, PASSWORD])).toEqual({ a: ["x****y", 3, null], b: { c: "pw ****" } });
  });

  it("ignores empty and tiny secrets instead of masking every letter", () => {
    expect(redact("abc def", ["", undefined, "ab"])).toBe("abc def");
    expect(secretForms("abcdef").every((f) => f.length >= 3)).toBe(true);
  });
});

describe("Transcript", () => {
  it("marks direction and time, shows the masked form of secret lines, and redacts the rest", () => {
    const t = new Transcript([PASSWORD], "header");
    t.server("220 ready");
    t.client(b64(PASSWORD), "**** (password, base64)");
    t.event("TLS established");
    t.server(`535 bad password ${PASSWORD}`);
    const lines = t.lines();
    expect(lines[0]).toMatch(/^\+0\.\d{3}s # header$/);
    expect(lines[1]).toMatch(/^\+\d+\.\d{3}s S: 220 ready$/);
    expect(lines[2]).toMatch(/ C: \*\*\*\* \(password, base64\)$/);
    expect(lines[3]).toMatch(/ \* TLS established$/);
    expect(lines[4]).toMatch(/ S: 535 bad password \*\*\*\*$/);
    expect(t.text()).not.toContain(PASSWORD);
  });

  it("marks the lines of a side probe", async () => {
    const t = new Transcript([]);
    await t.section("port 587 with STARTTLS", async () => t.client("EHLO x"));
    expect(t.lines().map((l) => l.replace(/^\+\S+ /, ""))).toEqual([
      "# --- probe: port 587 with STARTTLS ---",
      "[probe] C: EHLO x",
      "# --- end of probe: port 587 with STARTTLS ---",
    ]);
  });
});

describe("redact: named fields", () => {
  it("masks JSON and form fields that carry secrets, and leaves prose that merely names them", () => {
    expect(redact('{"refresh_token": "fake-rt-1", "access_token":"fake-at-2"}')).toBe('{"refresh_token": "****", "access_token":"****"}');
    expect(redact("grant_type=refresh_token&refresh_token=fake-rt-1&client_secret=fake-cs")).toBe(
      "grant_type=refresh_token&refresh_token=****&client_secret=****",
    );
    const prose = "Microsoft 365 with a password: basic authentication, disabled by default";
    expect(redact(prose)).toBe(prose);
  });
});
