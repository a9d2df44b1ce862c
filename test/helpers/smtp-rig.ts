import { afterAll, beforeAll } from "vitest";
/**
 * Real SMTP servers on 127.0.0.1 for the tests (smtp-server with a throwaway CA), a
 * test Context with captured output and a temporary config folder, and a prompter
 * that answers by question text and fails loudly on a question nobody expected.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContext, type Context } from "../../src/context.js";
import type { Choice, Prompter } from "../../src/prompter.js";
import { startSmtpServer, type RunningSmtpServer, type SmtpServerConfig } from "../../src/sandbox/server.js";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { main } from "../../src/cli.js";

export const USER = "sales@acme.test";
export const PASSWORD = "fake-password-123";
export const USER2 = "jdoe@acme.test";
export const PASSWORD2 = "fake-password-456";
export const WRONG_PASSWORD = "fake-wrong-password-789";

const tempDirs: string[] = [];

/** A fresh temporary folder, removed by cleanupTempDirs(). */
export function tempDir(prefix = "mailcfg-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

export function cleanupTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Rig {
  ca: ThrowawayCa;
  /** The CA certificate as a PEM file, for --ca. */
  caFile: string;
  users: Record<string, string>;
  /** STARTTLS with AUTH, AUTH refused until STARTTLS is done (like port 587). */
  starttls: RunningSmtpServer;
  /** Implicit TLS from the first byte (like port 465), with AUTH. */
  implicit: RunningSmtpServer;
  /** Another server with the rig's CA and users unless overridden; closed with the rig. */
  variant(cfg: Partial<SmtpServerConfig>): Promise<RunningSmtpServer>;
  close(): Promise<void>;
}

/** Starts the two standard servers. One CA per test file: call it in beforeAll. */
export async function startRig(): Promise<Rig> {
  const ca = new ThrowawayCa("mailcfg test CA");
  const cert = ca.issue();
  const caFile = join(tempDir("mailcfg-rig-"), "ca.pem");
  writeFileSync(caFile, ca.cert);
  const users = { [USER]: PASSWORD, [USER2]: PASSWORD2 };
  const servers: RunningSmtpServer[] = [];
  const variant = async (cfg: Partial<SmtpServerConfig>) => {
    const s = await startSmtpServer({ tls: cert, users, ...cfg });
    servers.push(s);
    return s;
  };
  const starttls = await variant({});
  const implicit = await variant({ secure: true });
  return {
    ca,
    caFile,
    users,
    starttls,
    implicit,
    variant,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

/**
 * The rig for one test file: started before its tests, closed (with the temp folders)
 * after them. The returned object is filled in once beforeAll has run.
 */
export function useRig(): Rig {
  const rig = {} as Rig;
  beforeAll(async () => {
    Object.assign(rig, await startRig());
  });
  afterAll(async () => {
    await rig.close?.();
    cleanupTempDirs();
  });
  return rig;
}

/** A TCP server that accepts connections and never says a word (no SMTP greeting). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------- prompter

export interface AskedQuestion {
  kind: "text" | "password" | "select" | "confirm";
  message: string;
  default?: unknown;
  choices?: string[];
}

type Answer = string | boolean | ((q: AskedQuestion) => unknown);

export interface FakePrompter extends Prompter {
  asked: AskedQuestion[];
}

/**
 * Answers questions whose message contains `match` (or matches the regex). A list of
 * answers is used in order, one per time the question is asked. A select answered
 * with a string picks the choice whose name contains it. Any question with no rule,
 * or asked more often than it has answers, throws.
 */
export function fakePrompter(rules: Array<[string | RegExp, Answer | Answer[]]>): FakePrompter {
  const queues = rules.map(([match, a]) => ({ match, answers: Array.isArray(a) ? [...a] : [a] }));
  const asked: AskedQuestion[] = [];
  const answer = (q: AskedQuestion): unknown => {
    asked.push(q);
    const rule = queues.find((r) => (typeof r.match === "string" ? q.message.includes(r.match) : r.match.test(q.message)));
    if (!rule) throw new Error(`unexpected ${q.kind} question: "${q.message}"`);
    if (rule.answers.length === 0) throw new Error(`question asked more often than expected: "${q.message}"`);
    const a = rule.answers.shift() as Answer;
    return typeof a === "function" ? a(q) : a;
  };
  const checked = (v: unknown, validate?: (v: string) => true | string): string => {
    if (typeof v !== "string") throw new Error(`expected a string answer, got ${String(v)}`);
    const ok = validate?.(v) ?? true;
    if (ok !== true) throw new Error(`the answer "${v}" was refused by the prompt: ${ok}`);
    return v;
  };
  return {
    asked,
    async text(q) {
      return checked(answer({ kind: "text", message: q.message, default: q.default }), q.validate);
    },
    async password(q) {
      return checked(answer({ kind: "password", message: q.message }), q.validate);
    },
    async select<T>(q: { message: string; choices: Array<Choice<T>>; default?: T }): Promise<T> {
      const names = q.choices.map((c) => c.name);
      const a = answer({ kind: "select", message: q.message, default: q.default, choices: names });
      if (typeof a !== "string") return a as T;
      const choice = q.choices.find((c) => c.name.toLowerCase().includes(a.toLowerCase()));
      if (!choice) throw new Error(`no choice "${a}" in "${q.message}": ${names.join(" | ")}`);
      return choice.value;
    },
    async confirm(q) {
      const a = answer({ kind: "confirm", message: q.message, default: q.default });
      if (typeof a !== "boolean") throw new Error(`expected true/false for "${q.message}"`);
      return a;
    },
  };
}

// ---------------------------------------------------------------- context

export interface TestContextOptions {
  /** The config folder; a fresh one when unset. */
  dir?: string;
  /** stdin and stderr are terminals, so the wizard may ask questions. */
  terminal?: boolean;
  /** Text piped on stdin (then stdin ends). */
  stdin?: string;
  env?: Record<string, string>;
  prompt?: Prompter;
  now?: () => Date;
}

export interface TestContext {
  ctx: Context;
  dir: string;
  out(): string;
  err(): string;
}

/** A Context like one run of the CLI: captured output, temp config folder, file secrets. */
export function testContext(o: TestContextOptions = {}): TestContext {
  const dir = o.dir ?? tempDir();
  const out = new PassThrough();
  const err = new PassThrough();
  const stdin = new PassThrough();
  let outText = "";
  let errText = "";
  out.on("data", (c: Buffer) => (outText += c.toString("utf8")));
  err.on("data", (c: Buffer) => (errText += c.toString("utf8")));
  if (o.stdin !== undefined) stdin.end(o.stdin);
  else if (!o.terminal) stdin.end();
  const terminal = o.terminal === true;
  const ctx = createContext({
    io: { out, err, stdin, stdinIsTTY: terminal, errIsTTY: terminal, canPrompt: terminal },
    env: { MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", NO_COLOR: "1", ...o.env },
    // Without a terminal nothing may be asked; a question is a test failure.
    prompt: o.prompt ?? fakePrompter([]),
    ...(o.now ? { now: o.now } : {}),
  });
  return { ctx, dir, out: () => outText, err: () => errText };
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as JSON (for --json runs). */
  json(): Record<string, unknown>;
  t: TestContext;
}

/** Runs `mailcfg <argv>` in-process with a fresh test Context. */
export async function run(argv: string[], o: TestContextOptions = {}): Promise<RunResult> {
  const t = testContext(o);
  const code = await main(argv, t.ctx);
  // Let the PassThrough streams deliver what was written.
  await new Promise((r) => setImmediate(r));
  return { code, out: t.out(), err: t.err(), json: () => JSON.parse(t.out()) as Record<string, unknown>, t };
}

/** Flags of a webmail profile pointing at one of the rig's servers. */
export function webmailFlags(
  server: { port: number },
  security: "starttls" | "tls" | "none",
  caFile: string | undefined,
  email = USER,
): string[] {
  return [
    "--host",
    "127.0.0.1",
    "--port",
    String(server.port),
    "--security",
    security,
    "--email",
    email,
    ...(caFile ? ["--ca", caFile] : []),
  ];
}
