import { defineCommand, flag, type Input } from "./definition.js";
import { connectFlags, jsonFlag, providerFlags, targetArgs } from "./flags.js";

const flags = {
  stopAfter: flag.text(
    "--stop-after <stage>",
    "stop after this stage (dns, tcp, tls, greeting, ehlo, auth, mail, rcpt, data; exchange: settings, http, ews; gmail: api)",
  ),
  send: flag.on("--send", "also run DATA: send a short test message (nothing is sent without it)"),
  to: flag.text("--to <address>", "the recipient for RCPT TO (default: the sender's own address)"),
  transcript: flag.optionalText("--transcript [file]", "record the whole conversation, secrets masked: to the file, or into the output"),
  dnsServer: flag.list("--dns-server <ip[:port]>", "ask this DNS server instead of the system resolver; repeatable"),
  ...jsonFlag,
  // --ews-url and --domain (the Exchange settings) are among the provider flags.
  ...providerFlags,
  ...connectFlags,
};

export type DiagnoseInput = Input<typeof targetArgs, typeof flags>;

export const diagnose = defineCommand({
  name: "diagnose",
  summary: "find out why sending fails",
  description: "find out why sending fails: run each stage (DNS, TCP, TLS, greeting, EHLO, AUTH, MAIL, RCPT) and explain the one that fails",
  args: targetArgs,
  flags,
  help: `
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
  load: async () => (await import("../commands/diagnose.js")).runDiagnose,
});
