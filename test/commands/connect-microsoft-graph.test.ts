import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  AADSTS,
  DEVICE_LOGIN,
  FAKE_MS_CLIENT_ID,
  GRAPH_READWRITE,
  GRAPH_SEND,
  msBrowser,
  startFakeMicrosoft,
  type FakeMicrosoft,
} from "../helpers/fake-microsoft.js";
import { startFakeGraph, type FakeGraph } from "../helpers/fake-graph.js";
import { runCli, tempConfig, type TempConfig, waitFor } from "../helpers/cli.js";
import { scriptedPrompter } from "../helpers/scripted-prompter.js";
import { attachmentNamed, parseMime } from "../helpers/mime.js";

const ACCOUNT = "sales@contoso-fake.example";
let ms: FakeMicrosoft;
let graph: FakeGraph;
let dir: string;
let cfg: TempConfig;

beforeEach(async () => {
  ms = await startFakeMicrosoft({ account: ACCOUNT });
  graph = await startFakeGraph(ms);
  cfg = tempConfig();
  dir = cfg.dir;
});

afterEach(async () => {
  await graph.close();
  await ms.close();
  cfg.remove();
});

/** The fakes' endpoints, and a desktop so the loopback sign-in opens the (fake) browser. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return { ...ms.env(), ...graph.env(), DISPLAY: ":0", ...extra };
}

interface Doc {
  ok: boolean;
  profile: Record<string, unknown>;
  testMail: Record<string, string>;
  error: Record<string, string>;
  movedFrom?: string;
  profiles: Array<{ notes: string[]; move?: string; owner: Record<string, string>; type: string; server: string }>;
  results: Array<{ outcome: string; retryAt?: string; error?: Record<string, unknown> }>;
  company?: Record<string, unknown>;
  users?: Record<string, Record<string, unknown>>;
  messageId?: string;
  notes?: string[];
  move?: string;
  stages?: Array<{ stage: string; status: string }>;
}
const parse = (text: string) => JSON.parse(text) as Doc;

function connect(args: string[] = [], e = env()) {
  return runCli(["connect-microsoft", "company", "--via", "graph", "--client-id", FAKE_MS_CLIENT_ID, "--json", ...args], { dir, env: e, openUrl: msBrowser().open });
}

const storedToken = (key = "company/refresh-token") => cfg.secrets()[key];
const messageIdOf = (mime: Buffer) => /^Message-ID:\s*(<[^>]+>)/im.exec(mime.toString("latin1"))?.[1];
const DOC = ["--doc", "invoice", "--to", "ap@customer.test", "--var", "number=INV-7", "--var", "customer=Acme", "--var", "amount=10 EUR", "--var", "due_date=2026-12-31"];

describe("connect-microsoft --via graph", () => {
  it("signs in for Mail.Send and Mail.ReadWrite, sends the test mail as base64 MIME with sendMail, saves a Graph profile and the newest refresh token", async () => {
    ms.strictRotation = true;
    const run = await connect();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const doc = parse(run.stdout);
    expect(doc.profile).toMatchObject({ type: "webmail", auth: "oauth2-microsoft", transport: "graph", email: ACCOUNT, clientId: FAKE_MS_CLIENT_ID });

    const scopes = (ms.authRequests[0]?.params.scope ?? "").split(" ").sort();
    expect(scopes).toEqual([GRAPH_READWRITE, GRAPH_SEND, "email", "offline_access", "openid", "profile"].sort());

    // One sendMail request: text/plain, base64 of the whole MIME message, our Message-ID in it.
    const send = graph.requests.filter((r) => r.path === "/v1.0/me/sendMail");
    expect(send).toHaveLength(1);
    expect(send[0]?.contentType).toBe("text/plain");
    const m = graph.sent[0];
    expect(m?.via).toBe("sendMail");
    expect(m?.user).toBe(ACCOUNT);
    expect(messageIdOf(m?.mime ?? Buffer.alloc(0))).toBe(doc.testMail.messageId);
    expect(m?.mime.toString()).toMatch(/^Subject: mailcfg test mail: Company Email/m);
    expect(m?.mime.toString()).toMatch(new RegExp(`^To: ${ACCOUNT}`, "m"));
    expect(doc.testMail.response).toMatch(/Microsoft Graph accepted it \(202\)/);

    expect(ms.liveRefreshTokens()).toEqual([storedToken()]);
    for (const s of ms.secretsSeen()) expect(cfg.configText() + run.stdout + run.stderr).not.toContain(s);
  });

  it("send --attach: the MIME arrives byte for byte as composed, with the queue's Message-ID and the attachment intact", async () => {
    expect((await connect()).code).toBe(0);
    const file = join(dir, "INV-7.pdf");
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(200_000)]);
    writeFileSync(file, pdf);
    const added = await runCli(["queue", "add", ...DOC, "--attach", file, "--json"], { dir, env: env() });
    expect(added.code, added.stdout).toBe(0);
    const queuedId = parse(added.stdout).messageId;
    expect(queuedId).toMatch(/^<.+@.+>$/);
    const ran = await runCli(["queue", "run", "--json"], { dir, env: env() });
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const m = graph.sent.at(-1);
    expect(m?.via).toBe("sendMail");
    // What arrived decodes to MIME that re-encodes to exactly the request body: nothing was altered in transit.
    expect(m?.mime.toString("base64")).toBe(m?.body);
    expect(messageIdOf(m?.mime ?? Buffer.alloc(0))).toBe(queuedId);
    expect(attachmentNamed(parseMime(m?.mime ?? Buffer.alloc(0)), "INV-7.pdf")?.equals(pdf)).toBe(true);
  });

  it("a 10 MB attachment goes through a draft and an upload session (chunks up to 4 MB, multiples of 320 KiB), then /send; reassembled byte-identical", async () => {
    expect((await connect()).code).toBe(0);
    const file = join(dir, "scan.tif");
    const big = randomBytes(10 * 1024 * 1024);
    writeFileSync(file, big);
    const small = join(dir, "note.txt");
    writeFileSync(small, "a small attachment stays in the MIME\n");
    const sent = await runCli(["send", ...DOC, "--attach", file, "--attach", small, "--json"], { dir, env: env() });
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);

    const m = graph.sent.at(-1);
    expect(m?.via).toBe("draft");
    expect(graph.requests.filter((r) => r.path === "/v1.0/me/sendMail")).toHaveLength(1); // the test mail only
    // The draft's MIME carries our Message-ID and the small attachment; the big one came separately.
    const draft = parseMime(m?.mime ?? Buffer.alloc(0));
    expect(messageIdOf(m?.mime ?? Buffer.alloc(0))).toBe(JSON.stringify(parse(sent.stdout)).match(/<[^>"]+>/)?.[0]);
    expect(attachmentNamed(draft, "note.txt")?.toString()).toBe("a small attachment stays in the MIME\n");
    expect(attachmentNamed(draft, "scan.tif")).toBeUndefined();

    expect(graph.uploadSessions).toHaveLength(1);
    const session = graph.uploadSessions[0];
    expect(session).toMatchObject({ name: "scan.tif", size: big.length, attachmentType: "file" });
    const chunks = session?.chunks ?? [];
    expect(chunks.length).toBe(3);
    for (const c of chunks.slice(0, -1)) {
      expect(c.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
      expect(c.bytes % (320 * 1024)).toBe(0);
    }
    expect(chunks[0]?.range).toBe(`bytes 0-${(chunks[0]?.bytes ?? 0) - 1}/${big.length}`);
    const uploaded = m?.attachments.find((a) => a.name === "scan.tif");
    expect(uploaded?.via).toBe("upload-session");
    expect(uploaded?.content.equals(big)).toBe(true);
    // The upload URL is pre-authenticated: no bearer token went to it.
    expect(graph.requests.filter((r) => r.path.startsWith("/upload/")).every((r) => r.authorization === undefined)).toBe(true);
    // Nothing over Graph's 4 MB request limit was sent in one request.
    expect(Math.max(...graph.requests.map((r) => r.bytes))).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(graph.drafts.size).toBe(0);
  });

  it("--send-only asks for Mail.Send alone; a message over the request limit then fails with oauth, exit 7, naming the reconnect", async () => {
    const run = await connect(["--send-only"]);
    expect(run.code, run.stdout).toBe(0);
    expect((ms.authRequests[0]?.params.scope ?? "").split(" ")).not.toContain(GRAPH_READWRITE);
    const file = join(dir, "big.bin");
    writeFileSync(file, randomBytes(5 * 1024 * 1024));
    const sent = await runCli(["send", ...DOC, "--attach", file, "--json"], { dir, env: env() });
    expect(sent.code).toBe(7);
    const error = parse(sent.stdout).error;
    expect(error).toMatchObject({ category: "oauth", code: "mail_readwrite_needed", next: "mailcfg connect-microsoft company --via graph" });
    expect(error.hint).toMatch(/without --send-only/);
    expect(error.hint).toMatch(/Grant admin consent/);
    expect(graph.requests.filter((r) => r.path === "/v1.0/me/messages")).toHaveLength(0);
    expect(graph.sent).toHaveLength(1);
  });

  it("--send-only without --via graph is a usage error", async () => {
    const run = await runCli(["connect-microsoft", "company", "--send-only", "--client-id", FAKE_MS_CLIENT_ID, "--json"], { dir, env: env() });
    expect(run.code).toBe(2);
    expect(parse(run.stdout).error.message).toMatch(/--send-only goes with --via graph/);
  });

  it("403 ErrorAccessDenied at the test mail: oauth, exit 7, the fix names the admin-consent step; nothing saved", async () => {
    graph.failNext(/sendMail/, { status: 403, code: "ErrorAccessDenied", message: "Access is denied. Check credentials and try again." });
    const run = await connect();
    expect(run.code).toBe(7);
    const error = parse(run.stdout).error;
    expect(error).toMatchObject({ category: "oauth", code: "ErrorAccessDenied", provider: "Microsoft Graph", next: "mailcfg connect-microsoft company --via graph" });
    expect(error.hint).toMatch(/Mail\.Send and Mail\.ReadWrite.*Grant admin consent/);
    expect(cfg.configText()).not.toContain("oauth2-microsoft");
    expect(cfg.secrets()).toEqual({});
  });

  it("MailboxNotEnabledForRESTAPI: rejected, exit 6, names the licence and the on-premises ways", async () => {
    graph.failNext(/sendMail/, { status: 404, code: "MailboxNotEnabledForRESTAPI", message: "The mailbox is either inactive, soft-deleted, or is hosted on-premise." });
    const run = await connect();
    expect(run.code).toBe(6);
    const error = parse(run.stdout).error;
    expect(error).toMatchObject({ category: "rejected", code: "MailboxNotEnabledForRESTAPI" });
    expect(error.hint).toMatch(/Exchange Online licence/);
    expect(error.hint).toMatch(/--via smtp/);
  });

  it("a 401 on a cached access token refreshes it and sends once", async () => {
    expect((await connect()).code).toBe(0);
    const file = join(dir, "x.txt");
    writeFileSync(file, "x");
    // Within one run: the queue sends two entries with one provider; the token dies between them.
    expect((await runCli(["queue", "add", ...DOC], { dir, env: env() })).code).toBe(0);
    expect((await runCli(["queue", "add", ...DOC], { dir, env: env() })).code).toBe(0);
    let killed = false;
    graph.delayMs = 0;
    const origAccess = ms.accessToken.bind(ms);
    ms.accessToken = (t) => {
      if (!killed && graph.sent.length === 2) {
        killed = true;
        ms.expireAccessTokens();
      }
      return origAccess(t);
    };
    const ran = await runCli(["queue", "run", "--concurrency", "1", "--json"], { dir, env: env() });
    expect(ran.code, ran.stdout).toBe(0);
    expect(graph.sent).toHaveLength(3);
    expect(graph.requests.filter((r) => r.path === "/v1.0/me/sendMail").length).toBe(4); // one refused with 401, then resent
  });

  it("429 with Retry-After: server, transient; the queue waits at least that long before the retry", async () => {
    expect((await connect()).code).toBe(0);
    expect((await runCli(["queue", "add", ...DOC], { dir, env: env() })).code).toBe(0);
    graph.failNext(/sendMail/, { status: 429, code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit.", retryAfter: "600" });
    const before = Date.now();
    const ran = await runCli(["queue", "run", "--json"], { dir, env: env() });
    const r = parse(ran.stdout).results[0];
    expect(r?.outcome).toBe("retry");
    expect(r?.error).toMatchObject({ category: "server", code: "ApplicationThrottled" });
    expect(String(r?.error?.evidence)).toMatch(/Retry-After: 600/);
    // The default first backoff is about 60 s; Graph asked for 600.
    expect(Date.parse(r?.retryAt ?? "") - before).toBeGreaterThanOrEqual(600_000);
    expect(graph.sent).toHaveLength(1);
  });

  it("at most 4 requests at once per mailbox, even with 8 queue workers", async () => {
    expect((await connect()).code).toBe(0);
    for (let i = 0; i < 8; i++) expect((await runCli(["queue", "add", ...DOC], { dir, env: env() })).code).toBe(0);
    graph.delayMs = 80;
    graph.peakInFlight = 0;
    const ran = await runCli(["queue", "run", "--concurrency", "8", "--json"], { dir, env: env() });
    expect(ran.code, ran.stdout).toBe(0);
    expect(graph.sent).toHaveLength(9);
    expect(graph.peakInFlight).toBe(4);
  });

  it('the setup wizard offers "Microsoft 365 (Microsoft Graph)" under Webmail and connects with --via graph', async () => {
    const prompt = scriptedPrompter([
      ["Email Service Type", "webmail"],
      ["Outgoing mail server", (q) => q.values?.find((v) => (v as { id?: string }).id === "microsoft-graph")],
      [/client\) ID/, FAKE_MS_CLIENT_ID],
      [/tenant/, "organizations"],
      ["Display name", "organizations"],
      ["Signature", "organizations"],
    ]);
    const run = await runCli(["setup", "company", "--no-discover"], { dir, env: env(), terminal: true, prompt, openUrl: msBrowser().open });
    expect(run.code, run.stderr).toBe(0);
    expect(parse(cfg.configText()).company).toMatchObject({ transport: "graph", email: ACCOUNT });
    expect(graph.sent).toHaveLength(1);
  });

  it("reads the address from preferred_username before the email claim", async () => {
    ms.emailClaim = "alias@contoso-fake.example";
    const run = await connect();
    expect(run.code).toBe(0);
    expect(parse(run.stdout).profile.email).toBe(ACCOUNT);
  });

  it("a single-tenant app at organizations (AADSTS50194) says to set the tenant", async () => {
    ms.failNextToken({ error: "invalid_request", aadsts: 50194, text: "Application '0f1e2d3c' is not configured as a multi-tenant application. Usage of the /common endpoint is not supported." });
    const run = await connect();
    expect(run.code).toBe(7);
    const error = parse(run.stdout).error;
    expect(error.code).toBe("AADSTS50194");
    expect(error.hint).toMatch(/mailcfg config set microsoft-tenant/);
  });

  it("MAILCFG_GRAPH_URL and MAILCFG_MICROSOFT_DEVICE_CODE_URL follow the https / loopback-http rule", async () => {
    for (const [name, value] of [
      ["MAILCFG_GRAPH_URL", "http://graph.example.com"],
      ["MAILCFG_MICROSOFT_DEVICE_CODE_URL", "http://login.example.com/{tenant}/oauth2/v2.0/devicecode"],
    ] as const) {
      const run = await connect(["--device-code"], env({ [name]: value }));
      expect(run.code).toBe(2);
      expect(parse(run.stdout).error.message).toContain(name);
    }
    expect(cfg.configText()).not.toContain("oauth2-microsoft");
  });

  it("status and diagnose show a Graph profile as Microsoft Graph; diagnose checks the token endpoint and refreshes", async () => {
    expect((await connect()).code).toBe(0);
    const status = await runCli(["status", "--json"], { dir, env: env() });
    expect(status.code).toBe(0);
    expect(parse(status.stdout).profiles[0]).toMatchObject({ server: "Microsoft Graph", notes: [] });
    const diag = await runCli(["diagnose", "company", "--json"], { dir, env: env() });
    expect(diag.code, diag.stdout).toBe(0);
    expect(parse(diag.stdout).stages?.map((s) => `${s.stage}:${s.status}`)).toEqual(["dns:skipped", "tcp:passed", "tls:skipped", "api:passed"]);
  });
});

describe("connect-microsoft --device-code", () => {
  it("prints the code and the verification address, polls through authorization_pending, and saves", async () => {
    ms.devicePolls = ["pending", "pending", "approve"];
    const run = await connect(["--device-code"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toContain(DEVICE_LOGIN);
    expect(run.stderr).toContain(`enter the code ${ms.lastUserCode()}`);
    expect(ms.deviceRequests[0]?.params.scope?.split(" ")).toContain(GRAPH_SEND);
    expect(ms.tokenRequests.filter((r) => r.params.grant_type === "urn:ietf:params:oauth:grant-type:device_code")).toHaveLength(3);
    expect(ms.authRequests).toHaveLength(0); // no browser, no loopback listener
    expect(parse(run.stdout).profile).toMatchObject({ transport: "graph", email: ACCOUNT });
    expect(graph.sent).toHaveLength(1);
    expect(storedToken()).toBeDefined();
    // The device code itself is a secret; it never shows.
    for (const s of ms.secretsSeen()) expect(run.stdout + run.stderr).not.toContain(s);
  });

  it("works for the SMTP transport too (the sign-in asks for SMTP.Send)", async () => {
    ms.devicePolls = ["approve"];
    await runCli(["connect-microsoft", "company", "--device-code", "--client-id", FAKE_MS_CLIENT_ID, "--json"], { dir, env: env() });
    // No SMTP server in this rig: the sign-in worked, the test mail could not be sent.
    expect(ms.deviceRequests[0]?.params.scope?.split(" ")).toContain("https://outlook.office.com/SMTP.Send");
    expect(ms.grants.device_code).toBe(1);
  });

  it.each([
    ["declined", "authorization_declined", /declined/],
    ["expired", "expired_token", /expired/],
    ["bad_code", "bad_verification_code", /does not recognise/],
  ] as const)("%s: oauth, exit 7, with the command to run again; nothing saved", async (poll, code, words) => {
    ms.devicePolls = ["pending", poll];
    const run = await connect(["--device-code"]);
    expect(run.code).toBe(7);
    const error = parse(run.stdout).error;
    expect(error).toMatchObject({ category: "oauth", code, next: "mailcfg connect-microsoft company --via graph --device-code" });
    expect(error.message).toMatch(words);
    expect(cfg.configText()).not.toContain("oauth2-microsoft");
    expect(cfg.secrets()).toEqual({});
  });

  it("Ctrl-C while waiting: cancelled, exit 130, nothing saved", async () => {
    const run = connect(["--device-code"]);
    await waitFor(() => run.stderr, /enter the code/);
    await waitFor(() => String(ms.tokenRequests.length), /[1-9]/);
    process.emit("SIGINT");
    expect((await run).code).toBe(130);
    expect(cfg.configText()).not.toContain("oauth2-microsoft");
  });
});

describe("moving off dying setups", () => {
  const saveEws = async () =>
    (await runCli(
      ["setup", "company", "--type", "exchange", "--ews-url", "https://outlook.office365.com/EWS/Exchange.asmx", "--domain", "contoso-fake.example", "--username", "sales", "--email", ACCOUNT, "--no-validate"],
      { dir, env: { MAILCFG_PASSWORD: "fake-password-123" } },
    )).code;
  const savePassword = async () =>
    (await runCli(["setup", "user", "jdoe", "--preset", "microsoft", "--email", ACCOUNT, "--no-validate"], { dir, env: { MAILCFG_PASSWORD: "fake-password-456" } })).code;

  it("status and diagnose name the exact command that moves each profile", async () => {
    expect(await saveEws()).toBe(0);
    expect(await savePassword()).toBe(0);
    const status = await runCli(["status", "--json"], { dir });
    const byOwner = Object.fromEntries(parse(status.stdout).profiles.map((p) => [p.owner.id ?? "company", p]));
    expect(byOwner.company?.move).toBe("mailcfg connect-microsoft company --via graph");
    expect(byOwner.company?.notes.join(" ")).toMatch(/EWS off tenant by tenant from 2026-10-01, for good on 2027-04-01/);
    expect(byOwner.jdoe?.move).toBe("mailcfg connect-microsoft user jdoe --via graph");
    expect(byOwner.jdoe?.notes.join(" ")).toMatch(/--via graph \(or SMTP with OAuth: mailcfg connect-microsoft user jdoe --via smtp\)/);
    const human = await runCli(["status"], { dir });
    expect(human.stdout).toContain("mailcfg connect-microsoft company --via graph");

    const diag = await runCli(["diagnose", "user", "jdoe", "--json", "--timeout", "1"], { dir, env: { MAILCFG_PASSWORD: "x" } });
    expect(parse(diag.stdout).move).toBe("mailcfg connect-microsoft user jdoe --via graph");
  });

  it("an Exchange Online EWS profile moves to Graph: same owner and address, routing unchanged, old password removed", async () => {
    expect(await saveEws()).toBe(0);
    expect(cfg.secrets()["company/password"]).toBe("fake-password-123");
    const run = await connect();
    expect(run.code, run.stdout).toBe(0);
    const doc = parse(run.stdout);
    expect(doc.movedFrom).toMatch(/Exchange https:\/\/outlook\.office365\.com/);
    const config = parse(cfg.configText());
    expect(config.company).toMatchObject({ type: "webmail", transport: "graph", email: ACCOUNT });
    expect(cfg.secrets()["company/password"]).toBeUndefined();
    expect(storedToken()).toBeDefined();
    const route = await runCli(["route", "--doc", "invoice", "--json"], { dir });
    expect(route.stdout).toContain(ACCOUNT);
    const status = await runCli(["status", "--json"], { dir });
    expect(parse(status.stdout).profiles[0]?.notes).toEqual([]);
  });

  it("a Microsoft 365 password profile moves to Graph", async () => {
    expect(await savePassword()).toBe(0);
    const run = await runCli(["connect-microsoft", "user", "jdoe", "--via", "graph", "--client-id", FAKE_MS_CLIENT_ID, "--json"], { dir, env: env(), openUrl: msBrowser().open });
    expect(run.code, run.stdout).toBe(0);
    expect(parse(cfg.configText()).users?.jdoe).toMatchObject({ transport: "graph", email: ACCOUNT, auth: "oauth2-microsoft" });
    expect(cfg.secrets()["user/jdoe/password"]).toBeUndefined();
    expect(cfg.secrets()["user/jdoe/refresh-token"]).toBeDefined();
  });

  it("a failed move (test mail refused, sign-in refused, another mailbox) keeps the old profile and its password", async () => {
    expect(await saveEws()).toBe(0);
    const before = cfg.configText();
    const secretsBefore = cfg.secrets();

    graph.failNext(/sendMail/, { status: 403, code: "ErrorAccessDenied", message: "Access is denied." });
    expect((await connect()).code).toBe(7);
    expect(cfg.configText()).toBe(before);
    expect(cfg.secrets()).toEqual(secretsBefore);

    ms.failNextToken(AADSTS.consentRequired as never);
    expect((await connect()).code).toBe(7);
    expect(cfg.configText()).toBe(before);

    ms.account = "someone.else@contoso-fake.example";
    const other = await connect();
    expect(other.code).toBe(7);
    expect(parse(other.stdout).error).toMatchObject({ code: "other_mailbox" });
    expect(cfg.configText()).toBe(before);
    expect(cfg.secrets()).toEqual(secretsBefore);
    expect(graph.sent.filter((m) => m.user === "someone.else@contoso-fake.example")).toHaveLength(0);
  });
});
