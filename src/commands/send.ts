import { Command } from "commander";
import type { Context } from "../context.js";
import { ownerLabel } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { Sent } from "../providers/types.js";
import { addMessageFlags, prepareMessage, toMessageInput, type MessageInput, type PreparedMessage } from "../send/message.js";
import { openSender } from "../send/sender.js";
import { composeEml, writeFileAtomic } from "../send/eml.js";
import { addConnectFlags, parseTimeoutSeconds, progress, readCaFiles, warn, type CommandResult } from "./shared.js";

export interface SendOptions {
  message: MessageInput;
  dryRun: boolean;
  /** With dryRun: write the message here as an .eml file. */
  eml?: string;
  json: boolean;
  timeout?: string;
  ca?: string[];
}

export function sendCommand(ctx: Context, done: (r: CommandResult) => void, run = runSend): Command {
  const cmd = new Command("send").description("send a document from the sender the routing rules choose (Company Email or User Email)");
  addMessageFlags(cmd)
    .option("--dry-run", "send nothing: show the routing decision and the message")
    .option("--eml <file>", "with --dry-run: write the message to this .eml file")
    .option("--json", "print one JSON document on stdout");
  addConnectFlags(cmd);
  cmd.addHelpText(
    "after",
    `
The message comes from the document kind's template (subject, text and HTML, with
{{variables}} filled from --var). Templates can be replaced per kind in the folder of
the templates-dir setting: <kind>.subject, <kind>.txt and <kind>.html.
Every input is checked before anything is sent: addresses, attachments (exist,
readable, under the attachment-limit-mb setting), header values and variables.

Examples:
  $ mailcfg send --doc invoice --user jdoe --to ap@customer.test --attach INV-1001.pdf \\
      --var number=INV-1001 --var customer="Acme Ltd"
  $ mailcfg send --doc ship-confirmation --to buyer@customer.test --var number=SO-7 \\
      --var customer=Acme --var tracking=1Z999 --dry-run --eml ship.eml
  $ mailcfg send --doc sales-order --to a@x.test,b@x.test --cc boss@x.test --var number=SO-1 --var customer=X --json`,
  );
  return cmd.action(async (raw: Record<string, unknown>) => done(await run(ctx, toSendOptions(raw))));
}

export function toSendOptions(raw: Record<string, unknown>): SendOptions {
  const opts: SendOptions = { message: toMessageInput(raw), dryRun: raw.dryRun === true, json: raw.json === true };
  if (typeof raw.eml === "string") {
    if (!opts.dryRun) throw new UsageError("--eml goes with --dry-run: it writes the message that would be sent.");
    opts.eml = raw.eml;
  }
  if (typeof raw.timeout === "string") opts.timeout = raw.timeout;
  if (Array.isArray(raw.ca)) opts.ca = raw.ca as string[];
  return opts;
}

export async function runSend(ctx: Context, opts: SendOptions): Promise<CommandResult> {
  const config = await ctx.config();
  const timeoutMs = parseTimeoutSeconds(opts.timeout, config.settings()["connect-timeout-seconds"]);
  const ca = readCaFiles(opts.ca);
  const prepared = await prepareMessage(ctx, opts.message);
  const summary = messageSummary(prepared);

  if (opts.dryRun) {
    if (opts.eml) {
      const eml = await composeEml(prepared.mail);
      try {
        writeFileAtomic(opts.eml, eml);
      } catch (err) {
        throw new UsageError(`--eml ${opts.eml}: cannot write the file (${(err as NodeJS.ErrnoException).code ?? "error"}).`, "Give a path in a folder you can write to.");
      }
    }
    if (!opts.json) {
      printMessage(ctx, prepared, "Would send");
      ctx.io.out.write(opts.eml ? `Nothing was sent. The message is in ${opts.eml}.\n` : "Nothing was sent (add --eml <file> to write the message as an .eml file).\n");
    }
    return { data: { dryRun: true, ...summary, eml: opts.eml ?? null } };
  }

  const provider = await openSender(ctx, prepared.owner, prepared.profile, { timeoutMs, ...(ca ? { ca } : {}) });
  let sent: Sent;
  try {
    progress(ctx, `sending ${prepared.kind.id} from ${prepared.mail.from}`);
    sent = await provider.send(prepared.mail);
  } finally {
    await provider.close().catch(() => undefined);
  }
  config.updateProfile(prepared.owner, { lastUsedAt: ctx.now().toISOString() });

  if (!opts.json) {
    printMessage(ctx, prepared, "Sent");
    ctx.io.out.write(`  server:     ${sent.response}\n`);
  }
  if (sent.rejected.length > 0) warn(ctx, `the server refused these recipients: ${sent.rejected.join(", ")}`);
  return {
    data: { dryRun: false, ...summary, messageId: sent.messageId, accepted: sent.accepted, rejected: sent.rejected, response: sent.response },
    ...(sent.rejected.length > 0 ? { failed: "rejected" as const } : {}),
  };
}

export function messageSummary(p: PreparedMessage): Record<string, unknown> {
  return {
    kind: p.kind.id,
    route: { ...p.decision, userSource: p.acting.source },
    from: p.mail.from,
    to: p.mail.to,
    cc: p.mail.cc ?? [],
    bcc: p.mail.bcc ?? [],
    subject: p.mail.subject,
    messageId: p.mail.messageId,
    attachments: p.attachments.map((a) => ({ filename: a.filename, size: a.size })),
    template: p.templateSource,
  };
}

function printMessage(ctx: Context, p: PreparedMessage, verb: string): void {
  const out = ctx.io.out;
  const mark = verb === "Sent" ? ctx.theme.ok("✓") : ctx.theme.warn("~");
  out.write(`${mark} ${verb} ${p.kind.id} from ${p.mail.from} (${ownerLabel(p.owner)}${p.decision.fallback ? ", fallback" : ""})\n`);
  out.write(`  to:         ${p.mail.to.join(", ")}\n`);
  if (p.mail.cc) out.write(`  cc:         ${p.mail.cc.join(", ")}\n`);
  if (p.mail.bcc) out.write(`  bcc:        ${p.mail.bcc.join(", ")}\n`);
  out.write(`  subject:    ${p.mail.subject}\n`);
  for (const a of p.attachments) out.write(`  attachment: ${a.filename} (${a.size} bytes)\n`);
  out.write(`  Message-ID: ${p.mail.messageId}\n`);
  out.write(ctx.theme.dim(`  why: ${p.decision.explanation.join(" ")}`) + "\n");
}
