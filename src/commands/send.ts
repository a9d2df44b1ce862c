import type { Context } from "../context.js";
import { ownerLabel } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { Sent } from "../providers/types.js";
import { prepareMessage, toMessageInput, type PreparedMessage } from "../send/message.js";
import { openSender } from "../senders/open.js";
import { senderWarning } from "../config/validation-state.js";
import { composeEml, writeFileAtomic } from "../send/eml.js";
import { printable } from "../ui/printable.js";
import { parseTimeoutSeconds, progress, readCaFiles, warn, type CommandResult } from "./shared.js";
import type { SendInput } from "../cli/send.js";

export async function runSend(ctx: Context, opts: SendInput): Promise<CommandResult> {
  if (opts.eml !== undefined && !opts.dryRun) throw new UsageError("--eml goes with --dry-run: it writes the message that would be sent.");
  const config = await ctx.config();
  const timeoutMs = parseTimeoutSeconds(opts.timeout, config.settings()["connect-timeout-seconds"]);
  const ca = readCaFiles(opts.ca);
  const prepared = await prepareMessage(ctx, toMessageInput(opts));
  const summary = messageSummary(prepared, senderWarnings(ctx, prepared));

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
  config.recordUse(prepared.owner, ctx.now().toISOString());

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

/** The chosen sender's validation warning, said on stderr; also in --json as `warnings`. */
export function senderWarnings(ctx: Context, p: PreparedMessage): string[] {
  const w = senderWarning(p.owner, p.profile);
  if (w) warn(ctx, w);
  return w ? [w] : [];
}

export function messageSummary(p: PreparedMessage, warnings: string[] = []): Record<string, unknown> {
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
    warnings,
  };
}

function printMessage(ctx: Context, p: PreparedMessage, verb: string): void {
  const out = ctx.io.out;
  const mark = verb === "Sent" ? ctx.theme.ok("✓") : ctx.theme.warn("~");
  out.write(`${mark} ${verb} ${p.kind.id} from ${p.mail.from} (${ownerLabel(p.owner)}${p.decision.fallback ? ", fallback" : ""})\n`);
  out.write(`  to:         ${p.mail.to.join(", ")}\n`);
  if (p.mail.cc) out.write(`  cc:         ${p.mail.cc.join(", ")}\n`);
  if (p.mail.bcc) out.write(`  bcc:        ${p.mail.bcc.join(", ")}\n`);
  out.write(`  subject:    ${printable(p.mail.subject)}\n`);
  for (const a of p.attachments) out.write(`  attachment: ${printable(a.filename)} (${a.size} bytes)\n`);
  out.write(`  Message-ID: ${p.mail.messageId}\n`);
  out.write(ctx.theme.dim(`  why: ${p.decision.explanation.join(" ")}`) + "\n");
}
