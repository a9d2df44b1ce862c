import { Option, type Command } from "commander";
import type { CommandResult } from "../commands/shared.js";

/** Receives the result of whichever command ran; main() turns it into output and an exit code. */
export type Done = (r: CommandResult) => void;

/** Commander's collector for a repeatable flag. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Shared flags of commands that connect to a server. */
export function addConnectFlags(cmd: Command): Command {
  return cmd
    .option("--timeout <seconds>", "connection timeout in seconds (default 15, or the connect-timeout-seconds setting)")
    .option("--ca <file>", "trust this CA certificate (PEM) too; repeatable", collect);
}

/** The provider settings flags of setup, validate and diagnose. */
export function addProviderFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option("--type <type>", "service type").choices(["webmail", "exchange", "gmail"]))
    .option("--preset <name>", "webmail preset: microsoft, microsoft-oauth, microsoft-graph, gmail or other")
    .option("--host <host>", "webmail: outgoing mail server (SMTP), e.g. smtp.office365.com")
    .option("--port <port>", "webmail: port (587 default; 465 for implicit TLS)")
    .option("--security <mode>", "webmail: starttls (587), tls (465) or none")
    .option("--email <address>", "the sender's email address")
    .option("--username <name>", "login name when it is not the email address")
    .option("--tls-servername <name>", "webmail: check the certificate against this name (when --host is an IP address)")
    .option("--ews-url <url>", "exchange: the Exchange URI, e.g. https://mail.company.com/EWS/Exchange.asmx")
    .option("--domain <domain>", "exchange: the domain, in the form company.com")
    .option("--login-form <form>", "exchange: send company.com\\user (domain, default) or user@company.com (upn)")
    .option("--password-stdin", "read the password from standard input")
    .option("--client-id <id>", "gmail, or webmail --preset microsoft-oauth|microsoft-graph: the organisation's OAuth client id")
    .option("--tenant <tenant>", "webmail --preset microsoft-oauth|microsoft-graph: the Entra tenant (default organizations)")
    .option("--client-secret-stdin", "gmail: read the OAuth client secret from the first line of standard input")
    .option("--no-browser", "gmail, microsoft-oauth: print the sign-in address instead of opening a browser");
}

/** The sender identity flags of setup: display name and signature. */
export function addIdentityFlags(cmd: Command): Command {
  return cmd
    .option("--name <display name>", 'the display name shown in From, e.g. "Acme Sales"')
    .option("--signature <text>", "the signature under each message (\\n for a new line)")
    .option("--signature-file <file>", "the signature, from a text file")
    .option("--signature-html-file <file>", "the signature's HTML form, for the HTML part (with --signature or --signature-file)");
}

/**
 * The flags `send` and `queue add` share. `queue add --from` takes them from a file
 * instead, so there --doc and --to are checked by the command, not required here.
 */
export function addMessageFlags(cmd: Command, required = true): Command {
  const doc = "document kind, e.g. invoice, sales-order (see mailcfg route --all)";
  const to = "recipients, comma separated; repeatable";
  return (required ? cmd.requiredOption("--doc <kind>", doc).requiredOption("--to <addresses>", to, collect) : cmd.option("--doc <kind>", doc).option("--to <addresses>", to, collect))
    .option("--cc <addresses>", "copy recipients, comma separated; repeatable", collect)
    .option("--bcc <addresses>", "blind copy recipients, comma separated; repeatable", collect)
    .option("--user <id>", "the acting user (default: MAILCFG_USER, then the default-user setting)")
    .option("--attach <file>", "attach a file; repeatable", collect)
    .option("--var <name=value>", "a template variable, e.g. --var number=INV-1001; repeatable", collect)
    .option("--subject <text>", "subject instead of the template's (variables allowed)");
}
