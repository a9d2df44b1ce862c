import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";

export function explainCommand(ctx: Context, done: Done): Command {
  return new Command("explain")
    .description("explain an error message: category, likely cause, the fix in steps, and the command that checks it")
    .argument("[text...]", "the error text (quote it); '-' or nothing reads it from standard input")
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
Takes any error text a user might paste: the product's own messages, SMTP replies
(e.g. 535 5.7.8), and what nodemailer, .NET, PHPMailer, Python, Java Mail, OpenSSL,
Exchange EWS and Google or Microsoft sign-in print. It reads the text only: nothing
is sent anywhere. Exits 0 when it could read the text, whatever the category.

Examples:
  $ mailcfg explain "535-5.7.8 Username and Password not accepted"
  $ mailcfg explain 'Invalid login: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'
  $ pbpaste | mailcfg explain --json
  $ mailcfg explain - < error.txt`,
    )
    .action(async (words: string[], raw: { json?: boolean }) => {
      const { runExplain, toExplainOptions } = await import("../commands/explain.js");
      done(await runExplain(ctx, toExplainOptions(words, raw)));
    });
}
