import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { smtpTransportOptions, speaksImplicitTls } from "../../src/providers/smtp.js";
import type { RunningSmtpServer } from "../../src/sandbox/server.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PASSWORD, PASSWORD2, startSilentServer, unusedPort, USER, USER2, useRig, webmailFlags, WRONG_PASSWORD } from "../helpers/smtp-rig.js";

interface JsonError {
  category: string;
  message: string;
  evidence?: string;
  hint?: string;
  productMessage?: string;
  code?: string;
}

const rig = useRig();

/** `mailcfg validate --type webmail ... --json` with the password in MAILCFG_PASSWORD. */
async function validateAdHoc(flags: string[], password = PASSWORD) {
  const r = await runCli(["validate", "--type", "webmail", ...flags, "--json"], { env: { MAILCFG_PASSWORD: password } });
  const doc = r.json();
  return { ...r, doc, error: doc.error as JsonError | undefined };
}

/** Messages a server receives during fn(). */
async function receivedDuring(server: RunningSmtpServer, fn: () => Promise<unknown>) {
  const before = server.messages.length;
  await fn();
  return server.messages.slice(before);
}

function header(raw: Buffer, name: string): string | undefined {
  const head = raw.toString("utf8").split(/\r?\n\r?\n/)[0] ?? "";
  return new RegExp(`^${name}: (.*)$`, "mi").exec(head)?.[1];
}

describe("validate by test mail, against real SMTP servers", () => {
  it.each([
    ["STARTTLS", "starttls", () => rig.starttls],
    ["implicit TLS", "tls", () => rig.implicit],
  ] as const)("succeeds with %s and the server receives the test mail over TLS", async (_name, security, server) => {
    let result!: Awaited<ReturnType<typeof validateAdHoc>>;
    const got = await receivedDuring(server(), async () => {
      result = await validateAdHoc(webmailFlags(server(), security, rig.caFile));
    });
    expect(result.code).toBe(0);
    expect(result.doc.ok).toBe(true);
    expect(got).toHaveLength(1);
    const m = got[0]!;
    expect(m.secure).toBe(true);
    expect(m.user).toBe(USER);
    expect(m.from).toBe(USER);
    expect(m.to).toEqual([USER]);
    expect(header(m.raw, "From")).toContain(USER);
    expect(header(m.raw, "To")).toContain(USER);
    expect(header(m.raw, "Subject")).toMatch(/^mailcfg test mail/);
    expect(header(m.raw, "Date")).toBeTruthy();
    expect(header(m.raw, "MIME-Version")).toBe("1.0");
    const results = result.doc.results as Array<{ testMail: { messageId: string; response: string } }>;
    expect(header(m.raw, "Message-ID")).toBe(results[0]!.testMail.messageId);
    expect(results[0]!.testMail.response).toMatch(/^250 /);
  });

  it("logs in and sends the test mail over one connection, opened early (and --no-send uses one too)", async () => {
    // The connection is opened while the SMTP code loads and then used: a second one
    // would mean the early connection was wasted.
    for (const [server, security] of [[rig.starttls, "starttls"], [rig.implicit, "tls"]] as const) {
      for (const extra of [[], ["--no-send"]]) {
        const before = server.connections();
        const r = await validateAdHoc([...webmailFlags(server, security, rig.caFile), ...extra]);
        expect(r.code, r.stderr).toBe(0);
        expect(server.connections() - before, `${security} ${extra.join(" ")}`).toBe(1);
      }
    }
  });

  it("sends the test mail to --to when given", async () => {
    const got = await receivedDuring(rig.starttls, async () => {
      const r = await validateAdHoc([...webmailFlags(rig.starttls, "starttls", rig.caFile), "--to", "it@acme.test"]);
      expect(r.code).toBe(0);
    });
    expect(got.map((m) => m.to)).toEqual([["it@acme.test"]]);
    expect(header(got[0]!.raw, "To")).toContain("it@acme.test");
  });

  it("prints a human result on stdout without --json", async () => {
    const r = await runCli(["validate", "--type", "webmail", ...webmailFlags(rig.starttls, "starttls", rig.caFile)], {
      env: { MAILCFG_PASSWORD: PASSWORD },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ .*logged in as sales@acme\.test/);
    expect(r.stdout).toMatch(/test mail sent to sales@acme\.test: 250/);
    expect(r.stdout).toMatch(/Nothing was saved/);
  });

  it("works without encryption (--security none) against a server that offers no STARTTLS, with a warning", async () => {
    const plain = await rig.variant({ starttls: false });
    let r!: Awaited<ReturnType<typeof validateAdHoc>>;
    const got = await receivedDuring(plain, async () => {
      r = await validateAdHoc(webmailFlags(plain, "none", undefined));
    });
    expect(r.code).toBe(0);
    expect(got).toHaveLength(1);
    expect(got[0]!.secure).toBe(false);
    expect(r.stderr).toMatch(/warning: .*unencrypted/);
  });
});

describe("failures are classified with the exit code of their category", () => {
  it("wrong password: auth, exit 3, with the server's 535 reply as evidence; nothing is sent", async () => {
    const got = await receivedDuring(rig.starttls, async () => {
      const r = await validateAdHoc(webmailFlags(rig.starttls, "starttls", rig.caFile), WRONG_PASSWORD);
      expect(r.code).toBe(3);
      expect(r.doc.ok).toBe(false);
      expect(r.error?.category).toBe("auth");
      expect(r.error?.evidence).toMatch(/AUTH PLAIN.*535 5\.7\.8/);
      expect(r.error?.code).toBe("5.7.8");
      // The product's own message comes along, for support staff to match.
      expect(r.error?.productMessage).toMatch(/5\.5\.1 Authentication Required/);
    });
    expect(got).toHaveLength(0);
  });

  it("wrong port (nothing listening): server, exit 4", async () => {
    const r = await validateAdHoc(webmailFlags({ port: await unusedPort() }, "starttls", rig.caFile));
    expect(r.code).toBe(4);
    expect(r.error?.category).toBe("server");
    expect(r.error?.evidence).toMatch(/ECONNREFUSED/);
  });

  it("implicit TLS against the STARTTLS port: ssl, exit 5 (OpenSSL wrong version number)", async () => {
    const r = await validateAdHoc(webmailFlags(rig.starttls, "tls", rig.caFile));
    expect(r.code).toBe(5);
    expect(r.error?.category).toBe("ssl");
    expect(r.error?.evidence).toMatch(/wrong version number/i);
    expect(r.error?.hint).toMatch(/--security starttls/);
  });

  it("plain text against a server that demands STARTTLS before AUTH: ssl, exit 5 (smtp-server's 538)", async () => {
    const got = await receivedDuring(rig.starttls, async () => {
      const r = await validateAdHoc(webmailFlags(rig.starttls, "none", rig.caFile));
      expect(r.code).toBe(5);
      expect(r.error?.category).toBe("ssl");
      // smtp-server answers AUTH on a plain connection with "538 Error: Must issue a STARTTLS command first".
      expect(r.error?.evidence).toMatch(/538 .*Must issue a STARTTLS command first/);
      expect(r.error?.hint).toMatch(/--security starttls/);
    });
    expect(got).toHaveLength(0);
  });

  it.each(["none", "starttls"] as const)(
    "--security %s against the implicit TLS port: ssl, exit 5, after a short greeting timeout",
    async (security) => {
      const started = Date.now();
      const r = await validateAdHoc([...webmailFlags(rig.implicit, security, rig.caFile), "--timeout", "1"]);
      expect(r.code).toBe(5);
      expect(r.error?.category).toBe("ssl");
      expect(r.error?.evidence).toMatch(/Greeting never received \(waited 1 s\)/);
      expect(r.error?.hint).toMatch(/--security tls/);
      expect(r.error?.productMessage).toMatch(/requires a secure connection/);
      expect(Date.now() - started).toBeLessThan(5000);
    },
  );

  it("STARTTLS required but the server does not offer it: ssl, exit 5", async () => {
    const plain = await rig.variant({ starttls: false });
    const r = await validateAdHoc(webmailFlags(plain, "starttls", rig.caFile));
    expect(r.code).toBe(5);
    expect(r.error?.category).toBe("ssl");
    expect(r.error?.message).toMatch(/does not offer STARTTLS/);
  });

  it.each([
    ["STARTTLS", "starttls", () => rig.starttls],
    ["implicit TLS", "tls", () => rig.implicit],
  ] as const)("untrusted certificate (%s, no --ca): ssl, exit 5, saying the CA is not trusted", async (_n, security, server) => {
    const r = await validateAdHoc(webmailFlags(server(), security, undefined));
    expect(r.code).toBe(5);
    expect(r.error?.category).toBe("ssl");
    expect(r.error?.message).toMatch(/not signed by a certificate authority this computer trusts/);
    expect(r.error?.hint).toMatch(/--ca/);
  });

  it("expired certificate: ssl, exit 5, saying it expired", async () => {
    const expired = await rig.variant({ tls: rig.ca.issue({ expired: true }) });
    const r = await validateAdHoc(webmailFlags(expired, "starttls", rig.caFile));
    expect(r.code).toBe(5);
    expect(r.error?.category).toBe("ssl");
    expect(r.error?.message).toMatch(/certificate has expired/);
    expect(r.error?.evidence).toMatch(/certificate has expired/);
  });

  it("certificate for another host name: ssl, exit 5, saying so", async () => {
    const other = await rig.variant({ tls: rig.ca.issue({ names: ["mail.example.test"] }) });
    const r = await validateAdHoc(webmailFlags(other, "starttls", rig.caFile));
    expect(r.code).toBe(5);
    expect(r.error?.category).toBe("ssl");
    // It names the host the certificate is for, and the remedy is to check against that name.
    expect(r.error?.message).toMatch(/certificate is for mail\.example\.test/);
    expect(r.error?.evidence).toMatch(/does not match certificate/);
    expect((r.error as { remedy?: unknown } | undefined)?.remedy).toEqual({ servername: "mail.example.test" });
  });

  it("recipient refused: rejected, exit 6", async () => {
    const strict = await rig.variant({ rejectRecipients: ["nobody@acme.test"] });
    const r = await validateAdHoc([...webmailFlags(strict, "starttls", rig.caFile), "--to", "nobody@acme.test"]);
    expect(r.code).toBe(6);
    expect(r.error?.category).toBe("rejected");
    expect(r.error?.evidence).toMatch(/RCPT TO.*550 5\.1\.1/);
    expect(strict.messages).toHaveLength(0);
  });

  it("send-as refused (5.7.60): rejected, exit 6; only the test mail finds it, a login-only check passes", async () => {
    const sendAs = await rig.variant({ enforceSendAs: true });
    // Logs in as jdoe, sends as sales@: the server refuses the sender.
    const flags = [...webmailFlags(sendAs, "starttls", rig.caFile, USER), "--username", USER2];
    const r = await validateAdHoc(flags, PASSWORD2);
    expect(r.code).toBe(6);
    expect(r.error?.category).toBe("rejected");
    expect(r.error?.code).toBe("5.7.60");
    expect(r.error?.evidence).toMatch(/MAIL FROM.*5\.7\.60/);

    const loginOnly = await validateAdHoc([...flags, "--no-send"], PASSWORD2);
    expect(loginOnly.code).toBe(0);
    expect(sendAs.messages).toHaveLength(0);
  });
});

describe("connection timeout", () => {
  it("defaults to 15 seconds, not nodemailer's 2 minutes", async () => {
    const r = await runCli(["config", "get", "connect-timeout-seconds", "--json"]);
    expect(r.json()).toMatchObject({ ok: true, value: 15, default: true });
    const o = smtpTransportOptions(
      { type: "webmail", email: USER, host: "127.0.0.1", port: 587, security: "starttls" },
      PASSWORD,
      { timeoutMs: 15_000 },
    );
    expect(o.connectionTimeout).toBe(15_000);
    expect(o.greetingTimeout).toBe(15_000);
  });

  it("--timeout shortens the wait for a server that accepts but never greets: server, exit 4", async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const r = await validateAdHoc([...webmailFlags(silent, "starttls", rig.caFile), "--timeout", "0.5"]);
      expect(r.code).toBe(4);
      expect(r.error?.category).toBe("server");
      expect(r.error?.evidence).toMatch(/Greeting never received \(waited 0\.5 s\)/);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await silent.close();
    }
  });

  it("the connect-timeout-seconds setting applies when --timeout is not given", async () => {
    const silent = await startSilentServer();
    const dir = tempDir();
    try {
      expect((await runCli(["config", "set", "connect-timeout-seconds", "0.5"], { dir })).code).toBe(0);
      const started = Date.now();
      const r = await runCli(["validate", "--type", "webmail", ...webmailFlags(silent, "starttls", rig.caFile), "--json"], {
        dir,
        env: { MAILCFG_PASSWORD: PASSWORD },
      });
      expect(r.code).toBe(4);
      expect((r.json().error as JsonError).evidence).toMatch(/waited 0\.5 s/);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await silent.close();
    }
  });

  it("a bad --timeout is a usage error naming the flag", async () => {
    const r = await validateAdHoc([...webmailFlags(rig.starttls, "starttls", rig.caFile), "--timeout", "soon"]);
    expect(r.code).toBe(2);
    expect(r.error?.category).toBe("usage");
    expect(r.error?.message).toMatch(/--timeout/);
  });
});

describe("the implicit TLS probe", () => {
  it("tells an implicit TLS port from a plain-text one and from a silent one", async () => {
    const silent = await startSilentServer();
    try {
      expect(await speaksImplicitTls("127.0.0.1", rig.implicit.port, 2000)).toBe(true);
      expect(await speaksImplicitTls("127.0.0.1", rig.starttls.port, 2000)).toBe(false);
      expect(await speaksImplicitTls("127.0.0.1", silent.port, 300)).toBe(false);
    } finally {
      await silent.close();
    }
  });
});

describe("ad hoc validation saves nothing", () => {
  it("leaves the config folder without config or secrets", async () => {
    const r = await validateAdHoc(webmailFlags(rig.starttls, "starttls", rig.caFile));
    expect(r.code).toBe(0);
    expect(r.doc.saved).toBe(false);
    expect(existsSync(join(r.dir, "secrets.json"))).toBe(false);
    const cfg = await r.ctx.config();
    expect(cfg.listProfiles()).toEqual([]);
  });
});
