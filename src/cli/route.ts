import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";
import { addHelpTextLater } from "./help.js";

export function routeCommand(ctx: Context, done: Done): Command {
  const cmd = new Command("route")
    .description("which sender (Company Email or a User Email) sends a document, and why")
    .option("--doc <kind>", "document kind, e.g. invoice, sales-order, ship-confirmation")
    .option("--all", "the whole table: every document kind")
    .option("--user <id>", "the acting user (default: MAILCFG_USER, then the default-user setting)")
    .option("--json", "print one JSON document on stdout");
  addHelpTextLater(cmd, async () => {
    const { DOC_KINDS } = await import("../routing/catalogue.js");
    return `
Document kinds:
${DOC_KINDS.map((k) => `  ${k.id.padEnd(28)} ${k.name}`).join("\n")}

Documents a user sends go from that user's User Email, or from the Company Email when
the user has none. Automatic mail and payment links go from the Company Email. The ship
confirmation follows: mailcfg config set ship-confirmation-sender company|user

Examples:
  $ mailcfg route --doc invoice --user jdoe
  $ mailcfg route --doc ship-confirmation --json
  $ mailcfg route --all --user jdoe`;
  });
  return cmd.action(async (raw: Record<string, unknown>) => {
    const { runRoute, toRouteOptions } = await import("../commands/route.js");
    done(await runRoute(ctx, toRouteOptions(raw)));
  });
}
