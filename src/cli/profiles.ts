import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";

export function removeCommand(ctx: Context, done: Done): Command {
  return new Command("remove")
    .description("remove a profile: its settings, its saved secrets, and a Google token at Google")
    .argument("[target]", "company, or user")
    .argument("[id]", "the user id, with user")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .option("--force", "remove even though queued entries still need this sender")
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
Asks first on a terminal; scripts pass --yes. Refuses while queued entries (not yet
sent) have this sender, naming them, unless --force. A Gmail connection's refresh
token is revoked at Google; Microsoft has no revocation of one token, so the output
says where the app's consent is withdrawn (https://myapps.microsoft.com, or Entra
admin center > Enterprise applications). A password stays valid at its server.

Examples:
  $ mailcfg remove user jdoe
  $ mailcfg remove company --yes --json
  $ mailcfg remove user jdoe --yes --force      # queued entries are routed again by queue retry`,
    )
    .action(async (target: string | undefined, id: string | undefined, raw: Record<string, unknown>) => {
      const { runRemove, toRemoveOptions } = await import("../commands/remove.js");
      done(await runRemove(ctx, toRemoveOptions(target, id, raw)));
    });
}

export function renameCommand(ctx: Context, done: Done): Command {
  return new Command("rename")
    .description("rename a user id: the User Email, its secrets, the default-user setting, queued entries")
    .argument("[target]", "user")
    .argument("[old]", "the user id now")
    .argument("[new]", "the new user id")
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
Examples:
  $ mailcfg rename user jdoe john.doe
  $ mailcfg rename user jdoe john.doe --json`,
    )
    .action(async (target: string | undefined, from: string | undefined, to: string | undefined, raw: Record<string, unknown>) => {
      const { runRename, toRenameOptions } = await import("../commands/rename.js");
      done(await runRename(ctx, toRenameOptions(target, from, to, raw)));
    });
}
