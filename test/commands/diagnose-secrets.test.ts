import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { startSmtpServer, type RunningSmtpServer } from "../../src/sandbox/server.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { startRawSmtp, type RawServer } from "../helpers/misbehaving-servers.js";

const USER = "sales@acme.test";
const PASSWORD = "fake-password-123";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
/** Everything that would give the password away. */
const FORBIDDEN = [PASSWORD, b64(PASSWORD), b64(PASSWORD).replace(/=+$/, ""), b64(`\0${USER}\0${PASSWORD}`), b64(`${USER}:${PASSWORD}`), encodeURIComponent(PASSWORD)];

describe("diagnose never shows the password, in any output mode", () => {
  const ca = new ThrowawayCa();
  const dir = tempDir("mailcfg-secrets-");
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.cert);
  let sandbox: RunningSmtpServer;
  let loginOnly: RawServer;
  let plainOnly: RawServer;

  beforeAll(async () => {
    sandbox = await startSmtpServer({ tls: ca.issue(), users: { [USER]: PASSWORD } });
    loginOnly = await startRawSmtp({ starttls: ca.issue(), users: { [USER]: PASSWORD }, mechanisms: ["LOGIN"] });
    plainOnly = await startRawSmtp({ starttls: ca.issue(), users: { [USER]: "another-password-789" } });
  });
  afterAll(async () => {
    await Promise.all([sandbox.close(), loginOnly.close(), plainOnly.close()]);
  });

  const scenarios = () => [
    { name: "good login (AUTH PLAIN)", port: sandbox.port, security: "starttls" },
    { name: "good login (AUTH LOGIN)", port: loginOnly.port, security: "starttls" },
    { name: "refused login", port: plainOnly.port, security: "starttls" },
    { name: "no TLS, then probing STARTTLS", port: sandbox.port, security: "none" },
    { name: "implicit TLS on a plain port, then probing", port: sandbox.port, security: "tls" },
  ];

  const modes: Array<{ mode: string; args: (file: string) => string[] }> = [
    { mode: "human", args: () => [] },
    { mode: "--json", args: () => ["--json"] },
    { mode: "--transcript <file>", args: (file) => ["--transcript", file] },
    { mode: "--transcript (inline)", args: () => ["--transcript"] },
    { mode: "--json --transcript", args: () => ["--json", "--transcript"] },
    { mode: "--json --transcript <file>", args: (file) => ["--json", "--transcript", file] },
  ];

  it.each(modes)("$mode", async ({ mode, args }) => {
    for (const sc of scenarios()) {
      const file = join(dir, `${mode.replace(/\W+/g, "_")}-${sc.port}-${sc.security}.txt`);
      const argv = ["diagnose", "--type", "webmail", "--host", "127.0.0.1", "--port", String(sc.port), "--security", sc.security, "--email", USER, "--ca", caFile, "--timeout", "2", ...args(file)];
      const r = await runCli(argv, { env: { MAILCFG_PASSWORD: PASSWORD } });
      const everything = [r.stdout, r.stderr, args(file).includes(file) ? readFileSync(file, "utf8") : ""].join("\n");
      // The run really talked: an AUTH command went out (masked) in the transcript modes.
      if (mode.includes("transcript")) expect(everything).toMatch(/C: (AUTH PLAIN \*\*\*\*|AUTH LOGIN|\*\*\*\* \(password, base64\))/);
      for (const secret of FORBIDDEN) {
        expect(everything.includes(secret), `${sc.name} / ${mode} shows ${JSON.stringify(secret)}`).toBe(false);
      }
    }
  });
});
