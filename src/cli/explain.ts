import { arg, defineCommand, type Input } from "./definition.js";
import { jsonFlag } from "./flags.js";

const args = { words: arg.rest("[text...]", "the error text (quote it); '-' or nothing reads it from standard input") };

export type ExplainInput = Input<typeof args, typeof jsonFlag>;

export const explain = defineCommand({
  name: "explain",
  summary: "explain an error message",
  description: "explain an error message: category, likely cause, the fix in steps, and the command that checks it",
  args,
  flags: jsonFlag,
  help: `
Takes any error text a user might paste: the product's own messages, SMTP replies
(e.g. 535 5.7.8), and what nodemailer, .NET, PHPMailer, Python, Java Mail, OpenSSL,
Exchange EWS and Google or Microsoft sign-in print. It reads the text only: nothing
is sent anywhere. Exits 0 when it could read the text, whatever the category.

Examples:
  $ mailcfg explain "535-5.7.8 Username and Password not accepted"
  $ mailcfg explain 'Invalid login: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'
  $ pbpaste | mailcfg explain --json
  $ mailcfg explain - < error.txt`,
  load: async () => (await import("../commands/explain.js")).runExplain,
});
