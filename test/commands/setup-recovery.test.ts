import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { type Asked, scriptedPrompter } from "../helpers/scripted-prompter.js";
import { PASSWORD, USER, useRig, WRONG_PASSWORD } from "../helpers/smtp-rig.js";
import type { Profile } from "../../src/config/types.js";

/**
 * The wizard's recovery loop: after a failed validation the verdict's remedy is offered
 * as a one-key choice, and every fix is reached without restarting the wizard. Flags fix
 * the first round (as a sysadmin would give them); the remedy changes them.
 */
const rig = useRig();
const pressEnter = (q: Asked) => q.default;
/** Enter on a select: its default, the first choice (the scripted prompter takes a name for a select). */
const firstChoice = (q: Asked) => q.choices?.[0];
const identity: Array<[string, (q: Asked) => unknown]> = [
  ["Display name", pressEnter],
  ["Signature", pressEnter],
];
const configOf = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { company?: Profile & { servername?: string; username?: string } };
const wizard = (args: string[], prompt: ReturnType<typeof scriptedPrompter>) =>
  runCli(["setup", "company", "--type", "webmail", "--host", "127.0.0.1", "--email", USER, "--no-discover", "--timeout", "1", ...args], {
    terminal: true,
    prompt,
  });

describe("after a failed validation the wizard offers the verdict's remedy", () => {
  it("a port that expects implicit TLS: switch to implicit TLS, one key, and it is saved", async () => {
    const prompt = scriptedPrompter([
      ["Email password", PASSWORD],
      ...identity,
      [/expects implicit TLS.*Switch to implicit TLS and try again\?$/, firstChoice],
    ]);
    const r = await wizard(["--port", String(rig.implicit.port), "--security", "starttls", "--ca", rig.caFile], prompt);
    expect(r.code, r.stderr).toBe(0);
    const offer = prompt.asked.find((q) => q.kind === "select");
    expect(offer?.choices?.[0]).toBe("Switch to implicit TLS and try again");
    expect(offer?.default).toBe("remedy");
    // The password typed once is used again; nothing else is asked.
    expect(prompt.asked.filter((q) => q.kind === "password")).toHaveLength(1);
    expect(configOf(r.dir).company).toMatchObject({ port: rig.implicit.port, security: "tls", validation: { ok: true } });
  });

  it("plain text on the port: switch to STARTTLS", async () => {
    const prompt = scriptedPrompter([["Email password", PASSWORD], ...identity, [/Switch to STARTTLS and try again\?$/, firstChoice]]);
    const r = await wizard(["--port", String(rig.starttls.port), "--security", "tls", "--ca", rig.caFile], prompt);
    expect(r.code, r.stderr).toBe(0);
    expect(configOf(r.dir).company).toMatchObject({ security: "starttls", validation: { ok: true } });
  });

  it("a certificate from a CA not trusted: asks for the CA file, checks it, trusts it from then on", async () => {
    const prompt = scriptedPrompter([
      ["Email password", PASSWORD],
      ...identity,
      [/CA this computer does not trust\. Give the CA file \(PEM\)\?$/, firstChoice],
      ["CA certificate file (PEM)", rig.caFile],
    ]);
    const r = await wizard(["--port", String(rig.implicit.port), "--security", "tls"], prompt);
    expect(r.code, r.stderr).toBe(0);
    expect(configOf(r.dir).company).toMatchObject({ caFiles: [rig.caFile], validation: { ok: true } });
  });

  it("a CA file given in the wizard is kept in the commands printed after a later failure", async () => {
    const prompt = scriptedPrompter([
      ["Email password", WRONG_PASSWORD],
      ...identity,
      [/CA this computer does not trust\. Give the CA file \(PEM\)\?$/, firstChoice],
      ["CA certificate file (PEM)", rig.caFile],
      ["Type the password again?", firstChoice],
      ["Email password", PASSWORD],
    ]);
    const r = await wizard(["--port", String(rig.starttls.port), "--security", "starttls"], prompt);
    expect(r.code, r.stderr).toBe(0);
    // The login failure after the CA was trusted: its next and try commands trust it too.
    const afterCa = r.stderr.slice(r.stderr.indexOf("error [auth]"));
    expect(afterCa).toMatch(new RegExp(`next: mailcfg diagnose .* --ca ${rig.caFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(afterCa).toMatch(/try: mailcfg setup company .* --ca /);
  });

  it("a wrong password: the default is to type it again", async () => {
    const prompt = scriptedPrompter([
      ["Email password", WRONG_PASSWORD],
      ...identity,
      ["Type the password again?", firstChoice],
      ["Email password", PASSWORD],
    ]);
    const r = await wizard(["--port", String(rig.starttls.port), "--security", "starttls", "--ca", rig.caFile], prompt);
    expect(r.code, r.stderr).toBe(0);
    expect(prompt.asked.find((q) => q.kind === "select")?.choices?.[0]).toBe("Type the password again");
    expect(configOf(r.dir).company?.validation).toMatchObject({ ok: true });
  });

  it("a login name that is not the address: offers the full address as the login name", async () => {
    const prompt = scriptedPrompter([["Email password", PASSWORD], ...identity, [`Use ${USER}?`, firstChoice], ["Email password", PASSWORD]]);
    const r = await wizard(["--port", String(rig.starttls.port), "--security", "starttls", "--ca", rig.caFile, "--username", "sales"], prompt);
    expect(r.code, r.stderr).toBe(0);
    expect(prompt.asked.find((q) => q.kind === "select")?.choices?.[0]).toBe(`Log in as ${USER} and try again`);
    expect(configOf(r.dir).company?.username).toBeUndefined();
  });

  it("a certificate for a name, reached by IP address: checks it against that name", async () => {
    const named = await rig.variant({ tls: rig.ca.issue({ names: ["mail.example.test"] }), secure: true });
    const prompt = scriptedPrompter([["Email password", PASSWORD], ...identity, [/Check it against mail\.example\.test\?$/, firstChoice]]);
    const r = await wizard(["--port", String(named.port), "--security", "tls", "--ca", rig.caFile], prompt);
    expect(r.code, r.stderr).toBe(0);
    expect(configOf(r.dir).company).toMatchObject({ host: "127.0.0.1", servername: "mail.example.test", validation: { ok: true } });
  });

  it("Edit changes values given as flags, with a three-way SSL choice on any port", async () => {
    const prompt = scriptedPrompter([
      ["Email password", PASSWORD],
      ...identity,
      [/Switch to implicit TLS and try again\?$/, "Edit the settings"],
      ["CA certificate file", pressEnter],
      ["SMTP host", pressEnter],
      ["Email address", pressEnter],
      // The port came as a flag; it can be changed all the same.
      [/^Port$/, String(rig.starttls.port)],
      [/^SSL on port/, (q) => {
        expect(q.choices?.map((c) => c.split(" ")[0])).toEqual(["STARTTLS", "Implicit", "None"]);
        return "STARTTLS";
      }],
      ["Login name", pressEnter],
      ["TLS server name", pressEnter],
      ["Keep the password you typed?", true],
    ]);
    const r = await wizard(["--port", String(rig.implicit.port), "--security", "starttls", "--ca", rig.caFile], prompt);
    expect(r.code, r.stderr).toBe(0);
    expect(configOf(r.dir).company).toMatchObject({ port: rig.starttls.port, security: "starttls", validation: { ok: true } });
  });

  it("Stop saves nothing and exits with the failure's code", async () => {
    const prompt = scriptedPrompter([["Email password", WRONG_PASSWORD], ...identity, ["Type the password again?", "Stop"]]);
    const r = await wizard(["--port", String(rig.starttls.port), "--security", "starttls", "--ca", rig.caFile], prompt);
    expect(r.code).toBe(3);
    expect(() => configOf(r.dir)).toThrow();
  });
});
