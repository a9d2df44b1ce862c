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
