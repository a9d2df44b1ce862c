import type { Context } from "../../context.js";
import { UsageError } from "../../errors.js";
import { findKind } from "../../routing/catalogue.js";
import { route } from "../../routing/route.js";
import { savedProfiles } from "../../routing/acting-user.js";
import type { QueueEntry } from "../../queue/entry.js";
import type { QueueRetryInput } from "../../cli/queue.js";
import type { CommandResult } from "../shared.js";
import { entryJson, iso, mustGet, parseId, withQueue } from "./entries.js";

export async function runQueueRetry(ctx: Context, input: QueueRetryInput): Promise<CommandResult> {
  const id = parseId(input.id);
  const config = await ctx.config();
  const entry = await withQueue(ctx, (q) => mustGet(q, id));
  if (entry.state === "corrupt") {
    throw new UsageError(`Entry #${entry.id} cannot be read, so it cannot be sent.`, `Remove it with: mailcfg queue remove ${entry.id}, and queue the document again.`);
  }
  // An uncertain entry may already be in the recipient's mailbox: a resend is a decision.
  if (entry.state === "uncertain" && !input.yes && !(ctx.io.canPrompt && (await confirmDuplicate(ctx, entry)))) {
    throw new UsageError(
      `Entry #${entry.id} may have been delivered already (Message-ID ${entry.messageId}); sending it again may deliver a second copy.`,
      `Check the recipient's mailbox first. To send it anyway: mailcfg queue retry ${entry.id} --yes`,
    );
  }
  return withQueue(ctx, async (q) => {
    const e = await mustGet(q, id);
    if (e.state === "sent") throw new UsageError(`Entry #${e.id} was already sent (${iso(e.sentAt)}).`, "To send another copy, queue it again: mailcfg queue add ...");
    if (e.state === "sending") throw new UsageError(`Entry #${e.id} is being sent right now by ${e.lease?.runner ?? "another runner"}.`);
    const kind = findKind(e.kind);
    if (!kind) throw new UsageError(`Entry #${e.id} has the document kind "${e.kind}", which this mailcfg does not know.`);
    // Routed again: a User Email set up (or removed) since it was queued is taken into account.
    const decision = route(kind, e.actingUser ?? undefined, savedProfiles(config), config.settings());
    await q.requeue(
      e.id,
      ctx.now().getTime(),
      { owner: decision.profile.owner, senderEmail: decision.email, route: { ...decision, userSource: e.route.userSource } },
      e.state === "uncertain",
    );
    const changed = decision.email !== e.senderEmail;
    if (!input.json) {
      ctx.io.out.write(`${ctx.theme.ok("✓")} #${e.id} is queued again, due now${changed ? `, now from ${decision.email} (was ${e.senderEmail})` : ""}. Send it with: mailcfg queue run\n`);
    }
    return { data: { entry: entryJson(await mustGet(q, e.id)) } };
  });
}

async function confirmDuplicate(ctx: Context, e: QueueEntry): Promise<boolean> {
  ctx.io.err.write(`#${e.id} may have been delivered already: ${e.lastError?.message ?? "the earlier attempt ended without an answer."}\n`);
  return ctx.prompt.confirm({ message: `Send #${e.id} again, at the risk of a second copy?`, default: false });
}
