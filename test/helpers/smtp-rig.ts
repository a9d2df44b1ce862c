import { afterAll, beforeAll, expect } from "vitest";
/**
 * Real SMTP servers on 127.0.0.1 for the tests (smtp-server with a throwaway CA), the
 * flags that point a profile at them, and a config folder with a Company Email on them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startSmtpServer, type RunningSmtpServer, type SmtpServerConfig } from "../../src/sandbox/server.js";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { runCli, tempDir } from "./cli.js";

export const USER = "sales@acme.test";
export const PASSWORD = "fake-password-123";
export const USER2 = "jdoe@acme.test";
export const PASSWORD2 = "fake-password-456";
export const WRONG_PASSWORD = "fake-wrong-password-789";

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
 * The rig for one test file: started before its tests, closed after them. The returned
 * object is filled in once beforeAll has run.
 */
export function useRig(): Rig {
  const rig = {} as Rig;
  beforeAll(async () => {
    Object.assign(rig, await startRig());
  });
  afterAll(async () => {
    await rig.close?.();
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

/** A config folder with a Company Email on the rig's STARTTLS server, its CA file inside (readable by whoever runs in it). */
export async function folderWithCompany(rig: Rig): Promise<string> {
  const dir = tempDir();
  const ca = join(dir, "ca.pem");
  writeFileSync(ca, readFileSync(rig.caFile));
  const r = await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", ca), "--no-validate"], { dir, env: { MAILCFG_PASSWORD: PASSWORD } });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}
