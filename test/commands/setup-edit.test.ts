import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { scriptedPrompter } from "../helpers/scripted-prompter.js";
import { PASSWORD, USER, useRig, webmailFlags } from "../helpers/smtp-rig.js";

const rig = useRig();

const configOf = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { company?: Record<string, unknown> };
const secretsOf = (dir: string) => JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as Record<string, string>;

/** A Company Email saved by setup against the STARTTLS server (validated with a test mail). */
async function savedCompany(): Promise<string> {
  const dir = tempDir();
  const r = await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", rig.caFile), "--name", "Acme Sales", "--signature", "The Acme team\\n+1 555 0100"], {
    dir,
    env: { MAILCFG_PASSWORD: PASSWORD },
  });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe("setup on a saved profile: change one setting, keep the rest", () => {
  it("without a terminal: starts from the saved values and password, validates against the new port, saves", async () => {
    const dir = await savedCompany();
    const before = configOf(dir).company!;
    const logins = rig.implicit.messages.length;
    // Only the port and security change: no --host, --email, --ca or password given.
    const r = await runCli(["setup", "company", "--port", String(rig.implicit.port), "--security", "tls"], { dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/this replaces the Company Email set up now \(sales@acme\.test via 127\.0\.0\.1:\d+/);
    // The implicit-TLS server accepted the login: it was given the saved password.
    expect(rig.implicit.messages.length - logins).toBe(1);
    expect(rig.implicit.messages.at(-1)?.user).toBe(USER);
    const after = configOf(dir).company!;
    expect(after).toMatchObject({ host: "127.0.0.1", port: rig.implicit.port, security: "tls", email: USER, name: "Acme Sales", caFiles: before.caFiles });
    expect(after.createdAt).toBe(before.createdAt);
    expect(secretsOf(dir)["company/password"]).toBe(PASSWORD);
  });

  it("a change that fails validation saves nothing: the old profile stays", async () => {
    const dir = await savedCompany();
    const before = readFileSync(join(dir, "config.json"), "utf8");
    // Implicit TLS against the STARTTLS port fails.
    const r = await runCli(["setup", "company", "--port", String(rig.starttls.port), "--security", "tls"], { dir });
    expect(r.code).toBe(5);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(before);
  });

  it("a new server does not get the saved password: without a terminal it must be given", async () => {
    const dir = await savedCompany();
    const r = await runCli(["setup", "company", "--host", "localhost"], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/server changed, so the saved password is not sent/);
  });

  it("on a terminal: offers the saved values and asks to keep the saved password", async () => {
    const dir = await savedCompany();
    const pressEnter = (q: { default?: unknown }) => q.default;
    const prompt = scriptedPrompter([
      ["Email Service Type", pressEnter],
      ["SMTP host", pressEnter],
      ["Email address", pressEnter],
      [/^Port$/, pressEnter],
      [/^SSL on port/, pressEnter],
      ["Keep the saved password?", true],
      ["Display name", pressEnter],
      ["Signature", pressEnter],
    ]);
    const r = await runCli(["setup", "company"], { dir, terminal: true, prompt });
    expect(r.code, r.stderr).toBe(0);
    expect(prompt.asked.find((q) => q.message.startsWith("Display name"))?.default).toBe("Acme Sales");
    expect(prompt.asked.find((q) => q.message.startsWith("Signature"))?.default).toBe("The Acme team\\n+1 555 0100");
    expect(configOf(dir).company?.signature).toEqual({ text: "The Acme team\n+1 555 0100" });
    expect(prompt.asked.find((q) => q.message === "Port")?.default).toBe(String(rig.starttls.port));
    expect(secretsOf(dir)["company/password"]).toBe(PASSWORD);
  });
});
