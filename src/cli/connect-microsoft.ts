import { Command } from "commander";
import type { Context } from "../context.js";
import { collect, type Done } from "./flags.js";

export function connectMicrosoftCommand(ctx: Context, done: Done): Command {
  return new Command("connect-microsoft")
    .description("connect a Microsoft 365 mailbox with a Microsoft sign-in (SMTP with OAuth); a test mail is sent before saving")
    .argument("[target]", "company, or user")
    .argument("[id]", "the user id, with user")
    .option("--tenant <tenant>", "the Entra tenant: Directory (tenant) ID, a domain, or organizations (default; or the microsoft-tenant setting)")
    .option("--client-id <id>", "the Application (client) ID of the organisation's Entra app registration; default: the microsoft-client-id setting")
    .option("--no-browser", "open no browser: print the sign-in address and paste back the address the browser lands on")
    .option("--timeout <seconds>", "how long to wait for the sign-in (default 300)")
    .option("--ca <file>", "trust this CA certificate (PEM) too for the SMTP server; repeatable", collect)
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
The sign-in answers on http://localhost:<random port> with PKCE (listening on loopback
only). Without a desktop (over SSH, or no DISPLAY) or with --no-browser, the address is
printed: open it on any computer, sign in, and paste back the whole address the browser
lands on (the page itself may fail to load; its address still carries the answer).

The app registration is a public client (no secret): redirect URI http://localhost under
"Mobile and desktop applications", "Allow public client flows" on, delegated permission
Office 365 Exchange Online SMTP.Send with consent. SMTP AUTH must be enabled for the
mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false).

Mail goes through smtp.office365.com:587 with STARTTLS and XOAUTH2. The refresh token is
kept in the secret store only (never in config.json); Microsoft replaces it as it is used,
and every new one is saved. Nothing is saved unless the test mail to the mailbox's own
address is sent.

Test rigs: MAILCFG_MICROSOFT_AUTH_URL, MAILCFG_MICROSOFT_TOKEN_URL ({tenant} is filled in;
https, or http on loopback only) and MAILCFG_MICROSOFT_SMTP_HOST (host or host:port).

Examples:
  $ mailcfg config set microsoft-client-id 11111111-2222-3333-4444-555555555555
  $ mailcfg connect-microsoft company --tenant contoso.onmicrosoft.com
  $ mailcfg connect-microsoft user jdoe --no-browser           # over SSH
  $ mailcfg connect-microsoft company --client-id 11111111-2222-3333-4444-555555555555 --json`,
    )
    .action(async (target: string | undefined, id: string | undefined, raw: Record<string, unknown>) => {
      const { runConnectMicrosoft, toConnectMicrosoftOptions } = await import("../commands/connect-microsoft.js");
      done(await runConnectMicrosoft(ctx, toConnectMicrosoftOptions(target, id, raw)));
    });
}
