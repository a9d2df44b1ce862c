import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";

export function statusCommand(ctx: Context, done: Done): Command {
  return new Command("status")
    .description("every profile: type, address, server, when it was last validated and the result")
    .option("--strict", "also exit non-zero when a profile was never validated (setup --no-validate)")
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
Exits non-zero when a profile's last validation failed, and prints the command that fixes it;
with --strict also when one was never validated (exit 7).

Examples:
  $ mailcfg status
  $ mailcfg status --strict          # in CI: every sender validated
  $ mailcfg status --json | jq '.profiles[] | select(.state != "ok")'`,
    )
    .action(async (raw: { json?: boolean; strict?: boolean }) => {
      const { runStatus } = await import("../commands/status.js");
      done(await runStatus(ctx, { json: raw.json === true, strict: raw.strict === true }));
    });
}
