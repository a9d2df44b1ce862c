import { mkdirSync, writeFileSync } from "node:fs";
import type { SandboxInput } from "../cli/sandbox.js";
import { join } from "node:path";
import type { Context } from "../context.js";
import type { ReceivedMessage, RunningSmtpServer } from "../sandbox/server.js";
import { MailError } from "../errors.js";
import { parseIntFlag, type CommandResult } from "./shared.js";

export interface SandboxOptions {
  port: number;
  dir: string;
  /** Logins the sandbox accepts: address -> password. Generated when empty. */
  users?: Record<string, string>;
  json: boolean;
}

export interface RunningSandbox {
  server: RunningSmtpServer;
  caFile: string;
  mailDir: string;
  users: Record<string, string>;
}

/**
 * Starts the sandbox: smtp-server on 127.0.0.1 with STARTTLS (certificate from a CA made
 * now, written to caFile so clients can trust it) and AUTH for the given users. Every
 * message is stored as an .eml file in mailDir.
 */
export async function startSandbox(
  opts: Omit<SandboxOptions, "json">,
  onMessage?: (m: ReceivedMessage) => void,
): Promise<RunningSandbox> {
  const { startSmtpServer } = await import("../sandbox/server.js");
  const { ThrowawayCa } = await import("../tls/throwaway-ca.js");
  const { randomBytes } = await import("node:crypto"); // here, not at start-up of every command
  mkdirSync(opts.dir, { recursive: true });
  const ca = new ThrowawayCa("mailcfg sandbox CA");
  const caFile = join(opts.dir, "sandbox-ca.pem");
  writeFileSync(caFile, ca.cert);
  const mailDir = join(opts.dir, "mail");
  const users =
    opts.users && Object.keys(opts.users).length > 0
      ? opts.users
      : { "sandbox@mailcfg.test": `sandbox-${randomBytes(6).toString("hex")}` };
  const server = await startSmtpServer({
    port: opts.port,
    tls: ca.issue(),
    users,
    mailDir,
    ...(onMessage ? { onMessage } : {}),
  });
  return { server, caFile, mailDir, users };
}

/** Runs the sandbox until Ctrl+C (or SIGTERM), printing each message it receives. */
export async function runSandbox(ctx: Context, input: SandboxInput): Promise<CommandResult> {
  const port = parseIntFlag(input.port, "--port", 0, 65535);
  const dir = input.dir ?? join(ctx.configDir, "sandbox");
  const json = input.json;
  const out = ctx.io.out;
  const sb = await listening(port, () =>
    startSandbox({ port, dir }, (m) => {
      if (json) out.write(JSON.stringify({ event: "message", from: m.from, to: m.to, file: m.file, bytes: m.raw.length }) + "\n");
      else out.write(`received: from ${m.from} to ${m.to.join(", ")} (${m.raw.length} bytes) -> ${m.file}\n`);
    }),
  );
  const [[user, pass]] = Object.entries(sb.users) as [[string, string]];
  if (json) {
    out.write(
      JSON.stringify({ event: "ready", host: sb.server.host, port: sb.server.port, security: "starttls", user, password: pass, caFile: sb.caFile, mailDir: sb.mailDir }) + "\n",
    );
  } else {
    out.write(
      [
        `mailcfg sandbox listening on ${sb.server.host}:${sb.server.port} (STARTTLS, AUTH PLAIN/LOGIN)`,
        `  login:    ${user}`,
        `  password: ${pass}   (sandbox only)`,
        `  CA file:  ${sb.caFile}   (trust it with --ca or NODE_EXTRA_CA_CERTS)`,
        `  mail:     ${sb.mailDir}`,
        `Try: MAILCFG_PASSWORD=${pass} mailcfg validate --type webmail --host 127.0.0.1 --port ${sb.server.port} --security starttls --email ${user} --ca ${sb.caFile}`,
        "Ctrl+C stops it.",
        "",
      ].join("\n"),
    );
  }
  await untilSignal();
  await sb.server.close();
  return {};
}

/** A port that is taken is the user's to change, not a bug: exit 4 with the way out. */
async function listening<T>(port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new MailError("server", `port ${port} is in use; try --port 0`, {
        hint: "Another program (or another sandbox) listens there. --port 0 picks a free port, or stop the other one.",
        next: "mailcfg sandbox --port 0",
        cause: err,
      });
    }
    if (code === "EACCES") {
      throw new MailError("server", `port ${port} cannot be opened without privileges; try --port 0`, { next: "mailcfg sandbox --port 0", cause: err });
    }
    throw err;
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
