import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { startSmtpServer, type RunningSmtpServer } from "../../src/sandbox/server.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { startRawSmtp, type RawServer } from "../helpers/misbehaving-servers.js";

const USER = "sales@acme.test";
const PASSWORD = "fake-password-123";

interface Stage {
  stage: string;
  status: string;
  summary: string;
  ms: number;
}

const ca = new ThrowawayCa();
const dir = tempDir("mailcfg-diagnose-");
const caFile = join(dir, "ca.pem");
writeFileSync(caFile, ca.cert);

function webmail(port: number, security: string, extra: string[] = []): string[] {
  return ["diagnose", "--type", "webmail", "--host", "127.0.0.1", "--port", String(port), "--security", security, "--email", USER, "--ca", caFile, "--timeout", "2", ...extra];
}

async function diagnose(argv: string[], password: string | undefined = PASSWORD) {
  const r = await runCli([...argv, "--json"], { env: password === undefined ? {} : { MAILCFG_PASSWORD: password } });
  const doc = JSON.parse(r.stdout);
  const stages = doc.stages as Stage[];
  const status = Object.fromEntries(stages.map((s) => [s.stage, s.status]));
  return { ...r, doc, stages, status };
}

describe("diagnose against a real smtp-server", () => {
  let starttls: RunningSmtpServer;
  let noAuth: RunningSmtpServer;
  let implicit: RunningSmtpServer;

  beforeAll(async () => {
    starttls = await startSmtpServer({ tls: ca.issue(), users: { [USER]: PASSWORD } });
    noAuth = await startSmtpServer({ tls: ca.issue(), users: {} });
    implicit = await startSmtpServer({ tls: ca.issue(), users: { [USER]: PASSWORD }, secure: true });
  });
  afterAll(async () => {
    await Promise.all([starttls.close(), noAuth.close(), implicit.close()]);
  });

  it("good settings: every stage passes up to RCPT TO, and no mail is sent", async () => {
    const r = await diagnose(webmail(starttls.port, "starttls"));
    expect(r.code).toBe(0);
    expect(r.status).toEqual({ dns: "skipped", tcp: "passed", greeting: "passed", ehlo: "passed", tls: "passed", auth: "passed", mail: "passed", rcpt: "passed", data: "skipped" });
    expect(r.stages.map((s) => s.stage)).toEqual(["dns", "tcp", "greeting", "ehlo", "tls", "auth", "mail", "rcpt", "data"]);
    const tls = r.stages.find((s) => s.stage === "tls") as Stage & { details: Record<string, unknown> };
    expect(tls.details).toMatchObject({ subject: "CN=localhost", issuer: "CN=mailcfg throwaway CA", nameMatches: true, trusted: true });
    expect(tls.details.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(tls.summary).toMatch(/after TLS: no STARTTLS, AUTH PLAIN LOGIN, SIZE 31457280/);
    expect(r.stages.find((s) => s.stage === "data")?.summary).toMatch(/no mail is sent without --send/);
    expect(r.doc).toMatchObject({ ok: true, failure: null, sent: false });
    expect(starttls.messages).toHaveLength(0);
    for (const s of r.stages) expect(typeof s.ms).toBe("number");
  });

  it("--send runs DATA and the server receives the test message", async () => {
    const before = starttls.messages.length;
    const r = await diagnose(webmail(starttls.port, "starttls", ["--send", "--to", "someone@acme.test"]));
    expect(r.code).toBe(0);
    expect(r.status.data).toBe("passed");
    expect(r.doc.sent).toBe(true);
    expect(starttls.messages.length).toBe(before + 1);
    expect(starttls.messages.at(-1)?.to).toEqual(["someone@acme.test"]);
  });

  it("wrong password: fails at auth with category auth (exit 3) and the server's reply", async () => {
    const r = await diagnose(webmail(starttls.port, "starttls"), "wrong-password-456");
    expect(r.code).toBe(3);
    expect(r.status).toMatchObject({ tls: "passed", auth: "failed", mail: "skipped", rcpt: "skipped" });
    expect(r.doc.failure).toMatchObject({ stage: "auth", category: "auth", code: "5.7.8", evidence: "535 5.7.8 Authentication credentials invalid" });
    // Checked again with every flag given (the CA and the timeout too).
    expect(r.doc.failure.check).toBe(
      `mailcfg diagnose --type webmail --host 127.0.0.1 --port ${starttls.port} --security starttls --email ${USER} --ca ${caFile} --timeout 2 --stop-after auth`,
    );
    const human = await runCli(webmail(starttls.port, "starttls"), { env: { MAILCFG_PASSWORD: "wrong-password-456" } });
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/✗ auth +\d+ ms {2}refused at AUTH PLAIN: 535 5\.7\.8/);
    expect(human.stdout).toContain("The product shows:");
    expect(human.stdout).toMatch(/cause: The server did not accept the email address and password/);
  });

  it("STARTTLS required: with security none the login is refused, and it says STARTTLS works (exit 5)", async () => {
    const r = await diagnose(webmail(starttls.port, "none"));
    expect(r.code).toBe(5);
    expect(r.status).toMatchObject({ tls: "skipped", auth: "failed" });
    expect(r.doc.failure).toMatchObject({ stage: "auth", category: "ssl" });
    expect(r.doc.findings).toEqual([
      "the server offers AUTH only after STARTTLS; you chose no encryption: set security to starttls; with --security starttls the login succeeds",
    ]);
  });

  it("no AUTH offered: the login stage is skipped with the reason, MAIL FROM and RCPT TO still run", async () => {
    const r = await diagnose(webmail(noAuth.port, "starttls"));
    expect(r.code).toBe(0);
    expect(r.status).toMatchObject({ ehlo: "passed", tls: "passed", auth: "skipped", mail: "passed", rcpt: "passed" });
    const auth = r.stages.find((s) => s.stage === "auth") as Stage & { warnings?: string[] };
    expect(auth.summary).toMatch(/the server offers no AUTH/);
    expect(auth.warnings).toEqual(["the server offers no login (AUTH)"]);
  });

  it("a port that speaks implicit TLS, diagnosed with STARTTLS: no greeting, and it says implicit TLS works (exit 5)", async () => {
    const r = await diagnose(webmail(implicit.port, "starttls", ["--timeout", "1"]));
    expect(r.code).toBe(5);
    expect(r.doc.failure).toMatchObject({ stage: "greeting", category: "ssl" });
    expect(r.doc.findings[0]).toMatch(new RegExp(`^port ${implicit.port} expects implicit TLS: it completed a TLS handshake and greeted \\(220 .*\\); you chose STARTTLS: set security to tls; with --security tls the login succeeds$`));
  });

  it("--transcript <file> records the conversation: direction marks, TLS marks and timing, in a private file", async () => {
    const file = join(dir, "transcript.txt");
    const r = await runCli(webmail(starttls.port, "starttls", ["--transcript", file]), { env: { MAILCFG_PASSWORD: PASSWORD } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Transcript (secrets masked) written to ${file}.`);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines.every((l) => /^\+\d+\.\d{3}s (\[probe\] )?(C:|S:|\*|#) /.test(l))).toBe(true);
    const body = lines.map((l) => l.replace(/^\+\S+ /, ""));
    expect(body).toEqual(
      expect.arrayContaining([
        "S: 220 mailcfg-sandbox ESMTP mailcfg sandbox ready",
        "C: EHLO mailcfg.invalid",
        "C: STARTTLS",
        "S: 220 Ready to start TLS",
        "* TLS handshake with 127.0.0.1",
        "C: AUTH PLAIN **** (user name and password, base64)",
        "S: 235 Authentication successful",
        `C: MAIL FROM:<${USER}>`,
        `C: RCPT TO:<${USER}>`,
        "C: QUIT",
      ]),
    );
    expect(body.some((l) => /^\* TLS established: TLSv1\.[23] /.test(l))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("--stop-after stops there and says why the rest did not run", async () => {
    const r = await diagnose(webmail(starttls.port, "starttls", ["--stop-after", "ehlo"]));
    expect(r.code).toBe(0);
    expect(r.status).toMatchObject({ greeting: "passed", ehlo: "passed", tls: "skipped", auth: "skipped" });
    expect(r.stages.find((s) => s.stage === "tls")?.summary).toBe("not run: stopped after ehlo (--stop-after)");
  });

  it("refuses a stage the service type does not have, and DATA without --send (exit 2)", async () => {
    const bad = await runCli([...webmail(starttls.port, "starttls", ["--stop-after", "http"]), "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/"http" is not a stage here; the stages are dns, tcp, greeting, ehlo, tls, auth, mail, rcpt, data/);
    const data = await runCli([...webmail(starttls.port, "starttls", ["--stop-after", "data"]), "--json"]);
    expect(data.code).toBe(2);
    expect(JSON.parse(data.stdout).error.message).toMatch(/add --send/);
  });
});

describe("diagnose against misbehaving servers", () => {
  const servers: RawServer[] = [];
  const start = async (o: Parameters<typeof startRawSmtp>[0]) => {
    const s = await startRawSmtp(o);
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("no greeting: fails at greeting, and says the port answers neither in plain text nor over TLS (exit 4)", async () => {
    const s = await start({ greeting: null });
    const r = await diagnose(webmail(s.port, "starttls", ["--timeout", "0.5"]));
    expect(r.code).toBe(4);
    expect(r.status).toMatchObject({ tcp: "passed", greeting: "failed", ehlo: "skipped" });
    expect(r.doc.failure).toMatchObject({ stage: "greeting", category: "server", rowId: "greeting-timeout" });
    expect(r.doc.findings).toEqual([`port ${s.port} accepts connections but sends no SMTP greeting, in plain text or over TLS: it may not be a mail server, or it is overloaded`]);
  });

  it("closes after EHLO: fails at ehlo with category server (exit 4)", async () => {
    const s = await start({ closeAfter: "EHLO" });
    const r = await diagnose(webmail(s.port, "starttls"));
    expect(r.code).toBe(4);
    expect(r.status).toMatchObject({ greeting: "passed", ehlo: "failed", tls: "skipped" });
    expect(r.doc.failure).toMatchObject({ stage: "ehlo", category: "server", rowId: "connection-reset" });
    expect(r.doc.failure.evidence).toMatch(/Connection closed unexpectedly by the server while waiting for the reply to EHLO/);
  });

  it("plain text on a TLS port: fails at tls and says STARTTLS on that port works (exit 5)", async () => {
    const s = await start({ starttls: ca.issue(), users: { [USER]: PASSWORD } });
    const r = await diagnose(webmail(s.port, "tls"));
    expect(r.code).toBe(5);
    expect(r.stages.map((x) => x.stage)).toEqual(["dns", "tcp", "tls", "greeting", "ehlo", "auth", "mail", "rcpt", "data"]);
    expect(r.status).toMatchObject({ tcp: "passed", tls: "failed", greeting: "skipped" });
    // What the probe found decides the verdict, and its remedy is the setting that worked.
    expect(r.doc.failure).toMatchObject({
      stage: "tls",
      category: "ssl",
      rowId: "probe-starttls-works-when-tls",
      transient: false,
      remedy: { port: s.port, security: "starttls" },
    });
    expect(r.stages.find((x) => x.stage === "tls")?.summary).toMatch(/^TLS handshake failed: wrong version number/);
    expect(r.doc.findings).toEqual([
      `port ${s.port} answers in plain text and offers STARTTLS; you chose implicit TLS: set security to starttls; with --security starttls the login succeeds`,
    ]);
  });

  it("TLS with an expired certificate: fails at tls, shows the certificate and when it expired (exit 5)", async () => {
    const s = await start({ tls: ca.issue({ expired: true }), users: { [USER]: PASSWORD } });
    const r = await diagnose(webmail(s.port, "tls"));
    expect(r.code).toBe(5);
    expect(r.doc.failure).toMatchObject({ stage: "tls", category: "ssl", rowId: "cert-expired", code: "CERT_HAS_EXPIRED" });
    const tls = r.stages.find((x) => x.stage === "tls") as Stage & { details: Record<string, unknown> };
    expect(tls.details).toMatchObject({ trusted: false, nameMatches: true, subject: "CN=localhost" });
    expect(tls.details.daysLeft).toBeLessThan(0);
    expect(tls.summary).toMatch(/EXPIRED on \d{4}-\d\d-\d\d \(\d+ days ago\)/);
    expect(r.doc.findings[0]).toMatch(/^the certificate expired on .* \(\d+ days ago\): the server's administrator must renew it$/);
  });

  it("TLS with a certificate for another name: fails at tls and names the host the certificate is for (exit 5)", async () => {
    const s = await start({ tls: ca.issue({ names: ["mail.example.test"] }), users: { [USER]: PASSWORD } });
    const r = await diagnose(webmail(s.port, "tls"));
    expect(r.code).toBe(5);
    expect(r.doc.failure).toMatchObject({ stage: "tls", category: "ssl", rowId: "cert-wrong-host", code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    expect(r.doc.findings).toEqual(["the certificate is for mail.example.test, not 127.0.0.1: set the host to mail.example.test"]);
  });

  it("a certificate from a CA this computer does not trust: says who issued it and how to trust it", async () => {
    const other = new ThrowawayCa("Acme internal CA");
    const s = await start({ tls: other.issue(), users: { [USER]: PASSWORD } });
    const r = await diagnose(webmail(s.port, "tls"));
    expect(r.code).toBe(5);
    expect(r.doc.failure).toMatchObject({ stage: "tls", category: "ssl", rowId: "cert-untrusted", remedy: { ca: "required" } });
    expect(r.doc.findings[0]).toMatch(/issued by CN=Acme internal CA, which this computer does not trust: .* --ca <file>/);
  });

  it("STARTTLS chosen but not offered: fails at tls with category ssl and says nothing safer answers", async () => {
    const s = await start({ users: { [USER]: PASSWORD } });
    const r = await diagnose(webmail(s.port, "starttls"));
    expect(r.code).toBe(5);
    expect(r.status).toMatchObject({ ehlo: "passed", tls: "failed", auth: "skipped" });
    expect(r.doc.failure).toMatchObject({ stage: "tls", category: "ssl", rowId: "starttls-not-offered" });
    expect(r.doc.findings[0]).toMatch(new RegExp(`^the server offers no STARTTLS on port ${s.port} and no implicit TLS on ${s.port} or 465`));
    // The password never went out on the unencrypted connection.
    expect(s.received.some((l) => l.startsWith("AUTH"))).toBe(false);
  });

  it("logs in with AUTH LOGIN when that is all the server offers", async () => {
    const s = await start({ starttls: ca.issue(), users: { [USER]: PASSWORD }, mechanisms: ["LOGIN"] });
    const r = await diagnose(webmail(s.port, "starttls"));
    expect(r.code).toBe(0);
    expect(r.stages.find((x) => x.stage === "auth")?.summary).toMatch(/logged in as sales@acme\.test \(AUTH LOGIN\)/);
  });

  it("nothing listening: fails at tcp with category server (exit 4)", async () => {
    const port = await freePort();
    const r = await diagnose(webmail(port, "starttls"));
    expect(r.code).toBe(4);
    expect(r.status).toMatchObject({ tcp: "failed", greeting: "skipped" });
    expect(r.doc.failure).toMatchObject({ stage: "tcp", category: "server", rowId: "connection-refused", code: "ECONNREFUSED" });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
