import { Command } from "commander";
import type { Context } from "../context.js";
import { addConnectFlags, addProviderFlags, collect, type Done } from "./flags.js";

export function diagnoseCommand(ctx: Context, done: Done): Command {
  const cmd = new Command("diagnose")
    .description("find out why sending fails: run each stage (DNS, TCP, TLS, greeting, EHLO, AUTH, MAIL, RCPT) and explain the one that fails")
    .argument("[target]", "company, or user")
    .argument("[id]", "the user id, with user")
    .option("--stop-after <stage>", "stop after this stage (dns, tcp, tls, greeting, ehlo, auth, mail, rcpt, data; exchange: settings, http, ews; gmail: api)")
    .option("--send", "also run DATA: send a short test message (nothing is sent without it)")
    .option("--to <address>", "the recipient for RCPT TO (default: the sender's own address)")
    .option("--transcript [file]", "record the whole conversation, secrets masked: to the file, or into the output")
    .option("--dns-server <ip[:port]>", "ask this DNS server instead of the system resolver; repeatable", collect)
    .option("--json", "print one JSON document on stdout");
  addProviderFlags(cmd);
  // Exchange flags, unless the shared provider flags already carry them.
  if (!cmd.options.some((o) => o.long === "--ews-url")) cmd.option("--ews-url <url>", "exchange: the EWS URL, e.g. https://mail.company.com/EWS/Exchange.asmx");
  if (!cmd.options.some((o) => o.long === "--domain")) cmd.option("--domain <domain>", "exchange: the domain, in the form company.com");
  addConnectFlags(cmd);
  cmd.addHelpText(
    "after",
    `
Each stage is shown as passed, failed or skipped, with its timing. The failing stage is
explained like mailcfg explain does (category, cause, fix), and for the usual mismatches
the other settings are tried to say what does work. Nothing is sent unless --send.
Exit code: the category of the failing stage (0 when every stage passed).

Examples:
  $ mailcfg diagnose company
  $ mailcfg diagnose user jdoe --transcript support.txt
  $ mailcfg diagnose company --stop-after tls --json
  $ MAILCFG_PASSWORD=... mailcfg diagnose --type webmail --host smtp.acme.com --port 465 \\
      --security tls --email sales@acme.com --send --to me@acme.com`,
  );
  return cmd.action(async (target: string | undefined, id: string | undefined, raw: Record<string, unknown>) => {
    const { runDiagnose, toDiagnoseOptions } = await import("../commands/diagnose.js");
    done(await runDiagnose(ctx, toDiagnoseOptions(target, id, raw)));
  });
}
