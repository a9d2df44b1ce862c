import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { startSmtpServer, type RunningSmtpServer, type SmtpServerConfig } from "../../src/sandbox/server.js";
import { saveWebmail } from "./profiles.js";

export const COMPANY_EMAIL = "sales@acme.test";
export const JDOE_EMAIL = "jdoe@acme.test";
// Obviously fake, test-only passwords.
export const PASSWORDS: Record<string, string> = {
  [COMPANY_EMAIL]: "fake-company-password-1",
  [JDOE_EMAIL]: "fake-jdoe-password-2",
};

export interface MailWorld {
  server: RunningSmtpServer;
  caFile: string;
}

/**
 * A real smtp-server on 127.0.0.1 with STARTTLS (certificate from a throwaway CA, whose
 * PEM is written to caFile) and AUTH, plus the Company Email and jdoe's User Email saved
 * in configDir pointing at it.
 */
// Key generation is the slow part: one CA and one server certificate per test file.
let shared: { ca: ThrowawayCa; tls: ReturnType<ThrowawayCa["issue"]> } | undefined;
function testCa() {
  if (!shared) {
    const ca = new ThrowawayCa();
    shared = { ca, tls: ca.issue() };
  }
  return shared;
}

export async function startMailWorld(configDir: string, extra: Partial<SmtpServerConfig> = {}, withJdoe = true): Promise<MailWorld> {
  const { ca, tls } = testCa();
  const caFile = join(configDir, "test-ca.pem");
  writeFileSync(caFile, ca.cert);
  const server = await startSmtpServer({ tls, users: { ...PASSWORDS }, enforceSendAs: true, ...extra });
  const at = { host: server.host, port: server.port, security: "starttls" as const };
  await saveWebmail(configDir, { kind: "company" }, { ...at, email: COMPANY_EMAIL }, PASSWORDS[COMPANY_EMAIL]);
  if (withJdoe) await saveWebmail(configDir, { kind: "user", id: "jdoe" }, { ...at, email: JDOE_EMAIL }, PASSWORDS[JDOE_EMAIL]);
  return { server, caFile };
}

export interface ScriptedServer {
  host: string;
  port: number;
  /** Every message accepted, with its Message-ID header. */
  accepted: Array<{ user: string; from: string; to: string[]; messageId: string; raw: Buffer }>;
  /** How many times DATA was attempted for each Message-ID. */
  tries: Map<string, number>;
  /** How many SMTP connections were opened. */
  connections(): number;
  close(): Promise<void>;
}

export interface ScriptOptions {
  port?: number;
  /** Wait this long before answering DATA (a slow server, to catch a runner mid-send). */
  delayMs?: number;
  /** Answer DATA with this SMTP error instead of accepting; called with the try number (1, 2, ...). */
  failData?: (messageId: string, attempt: number) => { code: number; message: string } | undefined;
}

/**
 * A real smtp-server (STARTTLS with the shared test CA, AUTH with PASSWORDS) whose DATA
 * answer is scripted: accept, fail with a given reply, or take its time.
 */
export async function startScriptedServer(opts: ScriptOptions = {}): Promise<ScriptedServer> {
  const { SMTPServer } = await import("smtp-server");
  const { tls } = testCa();
  const accepted: ScriptedServer["accepted"] = [];
  const tries = new Map<string, number>();
  let connections = 0;
  const server = new SMTPServer({
    onConnect(_session, cb) {
      connections += 1;
      cb();
    },
    key: tls.key,
    cert: tls.cert,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    size: 30 * 1024 * 1024,
    onAuth(auth, _s, cb) {
      if (PASSWORDS[auth.username ?? ""] === auth.password) return cb(null, { user: auth.username });
      return cb(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        const messageId = /^Message-ID:\s*(\S+)/im.exec(raw.toString("latin1"))?.[1] ?? "";
        const attempt = (tries.get(messageId) ?? 0) + 1;
        tries.set(messageId, attempt);
        const answer = () => {
          const fail = opts.failData?.(messageId, attempt);
          if (fail) return cb(Object.assign(new Error(fail.message), { responseCode: fail.code }));
          accepted.push({
            user: String(session.user),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            messageId,
            raw,
          });
          cb(null, "2.0.0 Message accepted");
        };
        if (opts.delayMs) setTimeout(answer, opts.delayMs);
        else answer();
      });
    },
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return { host: "127.0.0.1", port, accepted, tries, connections: () => connections, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The Company Email and jdoe's User Email, saved in configDir, pointing at host:port. */
export async function saveSenders(configDir: string, port: number, withJdoe = true): Promise<string> {
  const at = { host: "127.0.0.1", port, security: "starttls" as const };
  await saveWebmail(configDir, { kind: "company" }, { ...at, email: COMPANY_EMAIL }, PASSWORDS[COMPANY_EMAIL]);
  if (withJdoe) await saveWebmail(configDir, { kind: "user", id: "jdoe" }, { ...at, email: JDOE_EMAIL }, PASSWORDS[JDOE_EMAIL]);
  const caFile = join(configDir, "test-ca.pem");
  writeFileSync(caFile, testCa().ca.cert);
  return caFile;
}
