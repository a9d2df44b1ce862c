import { afterAll, beforeAll, describe, expect, it } from "vitest";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, startSilentServer, unusedPort, USER, useRig, WRONG_PASSWORD } from "../helpers/smtp-rig.js";
import { startRawSmtp } from "../helpers/misbehaving-servers.js";
import { startFakeEws, type FakeEws } from "../helpers/fake-ews.js";
import { oauthFailure } from "../../src/oauth/errors.js";
import { errorToJson } from "../../src/ui/render.js";

/**
 * One failure model: for every failure the local rigs can produce, the verdict of the
 * live path (validate) and the verdict `explain` gives for the text it printed agree on
 * category, transient and remedy; and the follow-up command it printed runs as printed
 * (same settings, same CA) and reaches the same category.
 */
const rig = useRig();

interface JsonError {
  category: string;
  message: string;
  evidence?: string;
  transient?: boolean;
  remedy?: Record<string, unknown>;
  next?: string;
  remedyCommand?: string;
  rowId?: string;
}

/** A raw SMTP responder that greets, answers EHLO, and refuses MAIL FROM with `mailReply`. */
async function refusingMailFrom(mailReply: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    s.write("220 raw.test ESMTP\r\n");
    let buf = "";
    s.on("data", (c) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (/^(EHLO|HELO)/i.test(line)) s.write("250-raw.test\r\n250 8BITMIME\r\n");
        else if (/^MAIL FROM/i.test(line)) s.write(`${mailReply}\r\n`);
        else if (/^RSET/i.test(line)) s.write("250 ok\r\n");
        else if (/^QUIT/i.test(line)) s.end("221 bye\r\n");
        else s.write("502 5.5.2 not here\r\n");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

interface Case {
  name: string;
  /** Ad hoc validate flags (host 127.0.0.1). */
  flags: () => string[];
  password?: string;
  category: string;
  transient: boolean;
  remedy?: Record<string, unknown>;
}

const ports: Record<string, number> = {};
beforeAll(async () => {
  const silent = await startSilentServer();
  const busy = await startRawSmtp({ greeting: "421 4.3.2 raw.test busy, try later" });
  const later = await refusingMailFrom("451 4.3.0 Temporary local problem, try again later");
  const sendAs = await refusingMailFrom("553 5.7.1 <sales@acme.test>: Sender address rejected: not owned by user jdoe");
  const strict = await rig.variant({ rejectRecipients: [USER] });
  const expired = await rig.variant({ tls: rig.ca.issue({ expired: true }), secure: true });
  const otherName = await rig.variant({ tls: rig.ca.issue({ names: ["mail.example.test"] }), secure: true });
  closers.push(silent.close, busy.close, later.close, sendAs.close);
  Object.assign(ports, {
    silent: silent.port,
    busy: busy.port,
    later: later.port,
    sendAs: sendAs.port,
    strict: strict.port,
    expired: expired.port,
    otherName: otherName.port,
    refused: await unusedPort(),
  });
});

const adHoc = (port: () => number, security: string, ca = true, email = USER) => () => [
  "--type",
  "webmail",
  "--host",
  "127.0.0.1",
  "--port",
  String(port()),
  "--security",
  security,
  "--email",
  email,
  ...(ca ? ["--ca", rig.caFile] : []),
  "--timeout",
  "1",
];

const CASES: Case[] = [
  { name: "wrong password", flags: adHoc(() => rig.starttls.port, "starttls"), password: WRONG_PASSWORD, category: "auth", transient: false, remedy: { password: "retype" } },
  { name: "STARTTLS required, no encryption set", flags: adHoc(() => rig.starttls.port, "none"), category: "ssl", transient: false, remedy: { security: "starttls" } },
  { name: "implicit TLS against a STARTTLS port", flags: adHoc(() => rig.starttls.port, "tls"), category: "ssl", transient: false, remedy: { security: "starttls" } },
  { name: "plain text against an implicit TLS port", flags: adHoc(() => rig.implicit.port, "starttls"), category: "ssl", transient: false, remedy: { security: "tls" } },
  { name: "a certificate from a CA not trusted", flags: adHoc(() => rig.implicit.port, "tls", false), category: "ssl", transient: false, remedy: { ca: "required" } },
  { name: "an expired certificate", flags: adHoc(() => ports.expired ?? 0, "tls"), category: "ssl", transient: false },
  { name: "a certificate for another name", flags: adHoc(() => ports.otherName ?? 0, "tls"), category: "ssl", transient: false, remedy: { servername: "mail.example.test" } },
  { name: "nothing listening", flags: adHoc(() => ports.refused ?? 0, "starttls"), category: "server", transient: true },
  { name: "a silent server", flags: adHoc(() => ports.silent ?? 0, "starttls"), category: "server", transient: true },
  { name: "a 421 greeting", flags: adHoc(() => ports.busy ?? 0, "none"), category: "server", transient: true },
  { name: "a 4xx refusal", flags: adHoc(() => ports.later ?? 0, "none"), category: "server", transient: true },
  { name: "a recipient refused (550)", flags: adHoc(() => ports.strict ?? 0, "starttls"), category: "rejected", transient: false },
  { name: "send-as refused (553)", flags: adHoc(() => ports.sendAs ?? 0, "none"), category: "rejected", transient: false },
];

async function validate(c: Case): Promise<JsonError> {
  const r = await runCli(["validate", ...c.flags(), "--json"], { env: { MAILCFG_PASSWORD: c.password ?? PASSWORD } });
  const doc = r.json() as { ok: boolean; error?: JsonError };
  expect(doc.ok, r.stdout).toBe(false);
  return doc.error as JsonError;
}

describe("the live verdict and explain of the printed text agree", () => {
  it.each(CASES)("$name", async (c) => {
    const live = await validate(c);
    expect({ category: live.category, transient: live.transient }).toEqual({ category: c.category, transient: c.transient });
    if (c.remedy) expect(live.remedy).toEqual(c.remedy);
    else expect(live.remedy).toBeUndefined();

    const printed = [live.message, live.evidence].filter(Boolean).join("\n");
    const explained = (await runCli(["explain", printed, "--json"])).json() as { category: string; transient: boolean; remedy: unknown };
    expect({ category: explained.category, transient: explained.transient, remedy: explained.remedy ?? undefined }, printed).toEqual({
      category: live.category,
      transient: live.transient,
      remedy: live.remedy,
    });
  });
});

describe("the follow-up command runs as printed and reaches the same verdict", () => {
  it.each(CASES.filter((c) => ["wrong password", "implicit TLS against a STARTTLS port", "a recipient refused (550)", "a 421 greeting"].includes(c.name)))(
    "$name",
    async (c) => {
      const live = await validate(c);
      const next = live.next ?? "";
      // Every setting given is kept (the CA and the timeout too), and no secret.
      expect(next).toMatch(/^mailcfg diagnose --type webmail --host 127\.0\.0\.1 --port \d+ --security \w+ --email \S+/);
      if (c.flags().includes("--ca")) expect(next).toContain(`--ca ${rig.caFile}`);
      expect(next).toContain("--timeout 1");
      expect(next).not.toContain(c.password ?? PASSWORD);
      const argv = next.split(" ").slice(1);
      const again = await runCli([...argv, "--json"], { env: { MAILCFG_PASSWORD: c.password ?? PASSWORD } });
      const doc = again.json() as { failure?: { category: string }; error?: { category: string } };
      expect(doc.failure?.category ?? doc.error?.category, again.stdout).toBe(c.category);
    },
  );

  it("the command that applies a remedy is printed too, and with it the setup succeeds", async () => {
    const c = CASES.find((x) => x.name === "implicit TLS against a STARTTLS port") as Case;
    const live = await validate(c);
    expect(live.remedyCommand).toBe(`mailcfg validate ${c.flags().join(" ").replace("--security tls", "--security starttls")}`);
    const argv = (live.remedyCommand ?? "").split(" ").slice(1);
    const fixed = await runCli([...argv, "--json"], { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(fixed.code, fixed.stdout).toBe(0);
  });
});

describe("EWS and OAuth failures: the verdict and explain of the printed text agree", () => {
  let ews: FakeEws;
  beforeAll(async () => {
    ews = await startFakeEws({ users: { "company.com\\jdoe": { password: PASSWORD, mailbox: "jdoe@company.com" }, "company.com\\nobox": { password: PASSWORD } } });
  });
  afterAll(async () => {
    await ews.close();
  });

  const agree = async (live: JsonError) => {
    const printed = [live.message, live.evidence].filter(Boolean).join("\n");
    const explained = (await runCli(["explain", printed, "--json"])).json() as { category: string; transient: boolean; remedy: unknown };
    expect({ category: explained.category, transient: explained.transient, remedy: explained.remedy ?? undefined }, printed).toEqual({
      category: live.category,
      transient: live.transient,
      remedy: live.remedy,
    });
  };
  const exchange = (user: string, password: string) =>
    runCli(["validate", "--type", "exchange", "--ews-url", ews.url, "--domain", "company.com", "--username", user, "--email", `${user}@company.com`, "--json"], {
      env: { MAILCFG_PASSWORD: password },
    });

  it("EWS 401: auth, type the password again", async () => {
    const live = ((await exchange("jdoe", WRONG_PASSWORD)).json() as { error: JsonError }).error;
    expect(live).toMatchObject({ category: "auth", transient: false, remedy: { password: "retype" } });
    await agree(live);
  });

  it("EWS ErrorNonExistentMailbox: rejected, not retried", async () => {
    const live = ((await exchange("nobox", PASSWORD)).json() as { error: JsonError }).error;
    expect(live).toMatchObject({ category: "rejected", transient: false });
    await agree(live);
  });

  it.each([
    ["Google", "invalid_grant", "Token has been expired or revoked.", { reconnect: "gmail" }],
    ["Microsoft", "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.", { reconnect: "microsoft" }],
    ["Microsoft", "invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked.", { reconnect: "microsoft" }],
  ])("%s token refresh %s: oauth, reconnect", async (provider, code, description, remedy) => {
    const e = oauthFailure(code, description, { provider, stage: "refresh" });
    const live = errorToJson(e) as JsonError;
    expect(live).toMatchObject({ category: "oauth", transient: false, remedy });
    await agree(live);
  });
});

describe("status uses the verdict of the last validation", () => {
  it("a saved profile whose validation failed for its SSL setting: status names the setup command that fixes it", async () => {
    const dir = tempDir();
    const setup = await runCli(["setup", "company", ...adHoc(() => rig.starttls.port, "starttls")().slice(2), "--json"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(setup.code, setup.stdout).toBe(0);
    // The server moves to implicit TLS on another port: the saved STARTTLS setting now fails there.
    const cfgPath = `${dir}/config.json`;
    const { readFileSync, writeFileSync } = await import("node:fs");
    const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as { company: { port: number } };
    cfg.company.port = rig.implicit.port;
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const failed = await runCli(["validate", "company", "--timeout", "1", "--json"], { dir });
    expect((failed.json() as { error: JsonError }).error).toMatchObject({ category: "ssl", remedy: { security: "tls" } });
    const status = await runCli(["status", "--json"], { dir });
    const company = (status.json() as { profiles: Array<{ state: string; fix?: string; validation?: { remedy?: unknown; transient?: boolean } }> }).profiles[0];
    expect(company).toMatchObject({ state: "failing", fix: "mailcfg setup company --security tls", validation: { remedy: { security: "tls" }, transient: false } });
  });
});
