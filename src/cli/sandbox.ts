import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";

export function sandboxCommand(ctx: Context, done: Done): Command {
  return new Command("sandbox")
    .description("run a local SMTP server (STARTTLS, AUTH) that stores every message as an .eml file")
    .option("--port <port>", "port on 127.0.0.1 (0 picks a free one)", "2525")
    .option("--dir <folder>", "where the CA file and received mail go (default: <config dir>/sandbox)")
    .option("--json", "print the connection details as one JSON line, then a JSON line per message")
    .addHelpText(
      "after",
      `
Stops with Ctrl+C. Point a profile at it, trusting its CA:

  $ mailcfg sandbox
  $ MAILCFG_PASSWORD=<printed password> mailcfg setup company --host 127.0.0.1 --port 2525 \\
      --security starttls --email sandbox@mailcfg.test --ca <printed CA file>`,
    )
    .action(async (raw: { port: string; dir?: string; json?: boolean }) => {
      const { runSandbox } = await import("../commands/sandbox.js");
      done(await runSandbox(ctx, raw));
    });
}
