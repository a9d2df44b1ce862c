import { Command, Option } from "commander";
import type { Context } from "../context.js";
import type { EntryState } from "../queue/store.js";
import { addConnectFlags, addMessageFlags, type Done } from "./flags.js";

// Every action loads the queue commands (and better-sqlite3 with them) only when it runs.
const load = () => import("../commands/queue.js");

export function queueCommand(ctx: Context, done: Done): Command {
  const cmd = new Command("queue").description('the email queue ("Add to Email Queue"): store messages, then send them with queue run');
  cmd.addHelpText(
    "after",
    `
Entries live in <config dir>/queue.db, or in a shared PostgreSQL queue when
MAILCFG_QUEUE_URL or the queue-url setting names one (postgres://user@host/db, the
password in MAILCFG_QUEUE_PASSWORD; an unreachable server: exit 4, nothing changed).
Each keeps the Message-ID given when it was queued, so a copy sent again after a crash
is recognisable. Several queue run at once
never send the same entry; an entry whose runner died is sent by the next run.
Temporary failures (4xx replies, connection problems) are retried with growing waits
(settings queue-max-attempts, queue-retry-seconds); permanent ones stop with the
diagnosis kept on the entry (mailcfg queue show <id>). A connection lost after the whole
message went out makes the entry uncertain: it may have been delivered, so it is not
sent again by itself. A row that cannot be read is set aside as corrupt.

Examples:
  $ mailcfg queue add --doc sales-order --user jdoe --to buyer@customer.test \\
      --var number=SO-1001 --var customer="Acme Ltd" --attach SO-1001.pdf
  $ mailcfg queue list
  $ mailcfg queue run --concurrency 4
  $ mailcfg queue show 12 --json
  $ mailcfg queue retry 12
  $ mailcfg queue purge --sent`,
  );

  const add = new Command("add").description("queue a document to send later (same flags as send), or many from a JSON Lines file");
  addMessageFlags(add, false)
    .option("--from <file.jsonl>", "queue one document per line of this file (- for stdin): every line checked before any is stored")
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
With --from, each line is one JSON object with the fields of the flags: doc, to, cc,
bcc (an address or a list), user, attach (a file or a list), var (an object), subject.
Every line is checked first; one bad line stores nothing and names its line number.

Examples:
  $ mailcfg queue add --doc invoice --user jdoe --to ap@customer.test --var number=INV-1 --var customer=Acme
  $ mailcfg queue add --from invoices.jsonl --json
  $ echo '{"doc":"invoice","user":"jdoe","to":"ap@customer.test","var":{"number":"INV-2","customer":"Acme"}}' | mailcfg queue add --from -`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const q = await load();
      done(typeof raw.from === "string" ? await q.runQueueAddMany(ctx, q.toQueueAddManyOptions(raw)) : await q.runQueueAdd(ctx, q.toQueueAddOptions(raw)));
    });
  cmd.addCommand(add);

  cmd.addCommand(
    new Command("list")
      .description("every entry: state, kind, sender, recipients, attempts, last error")
      .addOption(new Option("--state <state>", "only entries in this state").choices([...["queued", "sending", "sent", "failed", "uncertain", "corrupt"]]))
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExamples:\n  $ mailcfg queue list\n  $ mailcfg queue list --state failed --json")
      .action(async (raw: { state?: EntryState; json?: boolean }) => {
        const q = await load();
        done(await q.runQueueList(ctx, { ...(raw.state ? { state: raw.state } : {}), json: raw.json === true }));
      }),
  );

  cmd.addCommand(
    new Command("show")
      .description("one entry in full, with the diagnosis of its last failure")
      .argument("<id>")
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExample:\n  $ mailcfg queue show 12")
      .action(async (id: string, raw: { json?: boolean }) => {
        const q = await load();
        done(await q.runQueueShow(ctx, { id: q.parseId(id), json: raw.json === true }));
      }),
  );

  const run = new Command("run")
    .description("send what is due: queued entries, and entries of runners that died")
    .option("--concurrency <n>", "messages in flight at once (connections are pooled per sender)", "4")
    .option("--limit <n>", "send at most this many entries in this run")
    .option("--wait", "keep going until nothing is queued, waiting for retries that come due")
    .option("--json", "print one JSON document on stdout");
  addConnectFlags(run);
  run
    .addHelpText(
      "after",
      `
Ctrl+C (or SIGTERM) stops claiming new entries and lets the messages in flight finish
(within the timeout), then exits 130; a second one stops at once. An entry stopped before
its final "." is sent by the next run; one stopped after it is uncertain (queue retry --yes).

Examples:
  $ mailcfg queue run
  $ mailcfg queue run --concurrency 8 --limit 500 --json
  $ mailcfg queue run --wait          # until everything is sent or has failed`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const q = await load();
      done(await q.runQueueRun(ctx, q.toQueueRunOptions(raw)));
    });
  cmd.addCommand(run);

  cmd.addCommand(
    new Command("retry")
      .description("send a failed entry again: due now, attempts reset, routed again with today's profiles")
      .argument("<id>")
      .option("--yes", "also an uncertain entry (one that may have been delivered): a second copy may arrive")
      .option("--json", "print one JSON document on stdout")
      .addHelpText(
        "after",
        `
An uncertain entry lost its connection after the whole message was handed to the server,
so it may have been delivered. It is sent again only with --yes (or a yes on a terminal);
a Gmail sender first looks for the Message-ID in its own mailbox and does not send it
again if it is there.

Examples:
  $ mailcfg queue retry 12 && mailcfg queue run
  $ mailcfg queue retry 13 --yes   # uncertain: checked the recipient did not get it`,
      )
      .action(async (id: string, raw: { json?: boolean; yes?: boolean }) => {
        const q = await load();
        done(await q.runQueueRetry(ctx, { id: q.parseId(id), json: raw.json === true, yes: raw.yes === true }));
      }),
  );

  cmd.addCommand(
    new Command("remove")
      .description("delete an entry that is not being sent right now")
      .argument("<id>")
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExample:\n  $ mailcfg queue remove 12")
      .action(async (id: string, raw: { json?: boolean }) => {
        const q = await load();
        done(await q.runQueueRemove(ctx, { id: q.parseId(id), json: raw.json === true }));
      }),
  );

  cmd.addCommand(
    new Command("migrate")
      .description("move the entries of this machine's queue file to a shared PostgreSQL queue")
      .requiredOption("--to <url>", "postgres://user@host/db (the password in MAILCFG_QUEUE_PASSWORD, never in the URL)")
      .option("--json", "print one JSON document on stdout")
      .addHelpText(
        "after",
        `
Each entry keeps its state, attempts, history and attachments; the Message-ID is the key,
so running it again copies nothing twice. Entries being sent right now stay here.

Examples:
  $ MAILCFG_QUEUE_PASSWORD=... mailcfg queue migrate --to "postgres://mailcfg@db.example.com/mail?sslmode=verify-full"
  $ mailcfg config set queue-url "postgres://mailcfg@db.example.com/mail?sslmode=verify-full"`,
      )
      .action(async (raw: { to: string; json?: boolean }) => {
        const q = await load();
        done(await q.runQueueMigrate(ctx, { to: raw.to, json: raw.json === true }));
      }),
  );

  cmd.addCommand(
    new Command("purge")
      .description("delete sent (and, with --failed, failed) entries")
      .option("--sent", "delete the entries that were sent")
      .option("--failed", "delete the entries that failed for good")
      .option("--json", "print one JSON document on stdout")
      .addHelpText("after", "\nExamples:\n  $ mailcfg queue purge --sent\n  $ mailcfg queue purge --sent --failed")
      .action(async (raw: { sent?: boolean; failed?: boolean; json?: boolean }) => {
        const q = await load();
        done(await q.runQueuePurge(ctx, q.toQueuePurgeOptions(raw)));
      }),
  );
  return cmd;
}
