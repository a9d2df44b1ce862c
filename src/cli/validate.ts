import { Command } from "commander";
import type { Context } from "../context.js";
import { addConnectFlags, addProviderFlags, type Done } from "./flags.js";

export function validateCommand(ctx: Context, done: Done): Command {
  const cmd = new Command("validate")
    .description("validate saved profiles (or ad hoc settings) by logging in and sending a test mail")
    .argument("[target]", "company, or user")
    .argument("[id]", "the user id, with user")
    .option("--all", "validate every saved profile")
    .option("--to <address>", "send the test mail here instead of the profile's own address")
    .option("--no-send", "connect and log in only; send no test mail")
    .option("--json", "print one JSON document on stdout");
  addProviderFlags(cmd);
  addConnectFlags(cmd);
  cmd.addHelpText(
    "after",
    `
Validating a saved profile records the result (see mailcfg status). Ad hoc settings
(--type with provider flags) are validated and nothing is saved.

Examples:
  $ mailcfg validate company
  $ mailcfg validate user jdoe --no-send
  $ mailcfg validate --all --json
  $ MAILCFG_PASSWORD=... mailcfg validate --type webmail --host smtp.acme.com --email a@acme.com`,
  );
  return cmd.action(async (target: string | undefined, id: string | undefined, raw: Record<string, unknown>) => {
    const { runValidate, toValidateOptions } = await import("../commands/validate.js");
    done(await runValidate(ctx, toValidateOptions(target, id, raw)));
  });
}
