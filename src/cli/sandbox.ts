import { defineCommand, flag, type Input } from "./definition.js";

const flags = {
  port: flag.textWithDefault("--port <port>", "port on 127.0.0.1 (0 picks a free one)", "2525"),
  dir: flag.text("--dir <folder>", "where the CA file and received mail go (default: <config dir>/sandbox)"),
  json: flag.on("--json", "print the connection details as one JSON line, then a JSON line per message"),
};

export type SandboxInput = Input<Record<never, never>, typeof flags>;

export const sandbox = defineCommand({
  name: "sandbox",
  summary: "a local SMTP server for trying",
  description: "run a local SMTP server (STARTTLS, AUTH) that stores every message as an .eml file",
  flags,
  help: `
Stops with Ctrl+C. Point a profile at it, trusting its CA:

  $ mailcfg sandbox
  $ MAILCFG_PASSWORD=<printed password> mailcfg setup company --host 127.0.0.1 --port 2525 \\
      --security starttls --email sandbox@mailcfg.test --ca <printed CA file>`,
  load: async () => (await import("../commands/sandbox.js")).runSandbox,
});
