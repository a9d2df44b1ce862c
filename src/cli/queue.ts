import type { EntryState } from "../queue/entry.js";
import { arg, defineCommand, flag, required, type Input } from "./definition.js";
import { connectFlags, jsonFlag, optionalMessageFlags } from "./flags.js";

// Every subcommand loads its code (and better-sqlite3 or pg with it) only when it runs.

const id = { id: arg.required("<id>") };
type NoArgs = Record<never, never>;

const addFlags = {
  ...optionalMessageFlags,
  from: flag.text("--from <file.jsonl>", "queue one document per line of this file (- for stdin): every line checked before any is stored"),
  ...jsonFlag,
};
export type QueueAddInput = Input<NoArgs, typeof addFlags>;

const add = defineCommand({
  name: "add",
  description: "queue a document to send later (same flags as send), or many from a JSON Lines file",
  flags: addFlags,
  help: `
With --from, each line is one JSON object with the fields of the flags: doc, to, cc,
bcc (an address or a list), user, attach (a file or a list), var (an object), subject.
Every line is checked first; one bad line stores nothing and names its line number.

Examples:
  $ mailcfg queue add --doc invoice --user jdoe --to ap@customer.test --var number=INV-1 --var customer=Acme
  $ mailcfg queue add --from invoices.jsonl --json
  $ echo '{"doc":"invoice","user":"jdoe","to":"ap@customer.test","var":{"number":"INV-2","customer":"Acme"}}' | mailcfg queue add --from -`,
  load: async () => (await import("../commands/queue/add.js")).runQueueAdd,
});

const STATES = ["queued", "sending", "sent", "failed", "uncertain", "corrupt"] as const satisfies readonly EntryState[];
const listFlags = { state: flag.choice("--state <state>", "only entries in this state", STATES), ...jsonFlag };
export type QueueListInput = Input<NoArgs, typeof listFlags>;

const list = defineCommand({
  name: "list",
  description: "every entry: state, kind, sender, recipients, attempts, last error",
  flags: listFlags,
  help: "\nExamples:\n  $ mailcfg queue list\n  $ mailcfg queue list --state failed --json",
  load: async () => (await import("../commands/queue/list.js")).runQueueList,
});

export type QueueShowInput = Input<typeof id, typeof jsonFlag>;

const show = defineCommand({
  name: "show",
  description: "one entry in full, with the diagnosis of its last failure",
  args: id,
  flags: jsonFlag,
  help: "\nExample:\n  $ mailcfg queue show 12",
  load: async () => (await import("../commands/queue/show.js")).runQueueShow,
});

const runFlags = {
  concurrency: flag.textWithDefault("--concurrency <n>", "messages in flight at once (connections are pooled per sender)", "4"),
  limit: flag.text("--limit <n>", "send at most this many entries in this run"),
  wait: flag.on("--wait", "keep going until nothing is queued, waiting for retries that come due"),
  ...jsonFlag,
  ...connectFlags,
};
export type QueueRunInput = Input<NoArgs, typeof runFlags>;

const run = defineCommand({
  name: "run",
  description: "send what is due: queued entries, and entries of runners that died",
  flags: runFlags,
  help: `
Ctrl+C (or SIGTERM) stops claiming new entries and lets the messages in flight finish
(within the timeout), then exits 130; a second one stops at once. An entry stopped before
its final "." is sent by the next run; one stopped after it is uncertain (queue retry --yes).

Examples:
  $ mailcfg queue run
  $ mailcfg queue run --concurrency 8 --limit 500 --json
  $ mailcfg queue run --wait          # until everything is sent or has failed`,
  load: async () => (await import("../commands/queue/run.js")).runQueueRun,
});

const retryFlags = {
  yes: flag.on("--yes", "also an uncertain entry (one that may have been delivered): a second copy may arrive"),
  ...jsonFlag,
};
export type QueueRetryInput = Input<typeof id, typeof retryFlags>;

const retry = defineCommand({
  name: "retry",
  description: "send a failed entry again: due now, attempts reset, routed again with today's profiles",
  args: id,
  flags: retryFlags,
  help: `
An uncertain entry lost its connection after the whole message was handed to the server,
so it may have been delivered. It is sent again only with --yes (or a yes on a terminal);
a Gmail sender first looks for the Message-ID in its own mailbox and does not send it
again if it is there.

Examples:
  $ mailcfg queue retry 12 && mailcfg queue run
  $ mailcfg queue retry 13 --yes   # uncertain: checked the recipient did not get it`,
  load: async () => (await import("../commands/queue/retry.js")).runQueueRetry,
});

export type QueueRemoveInput = Input<typeof id, typeof jsonFlag>;

const remove = defineCommand({
  name: "remove",
  description: "delete an entry that is not being sent right now",
  args: id,
  flags: jsonFlag,
  help: "\nExample:\n  $ mailcfg queue remove 12",
  load: async () => (await import("../commands/queue/remove.js")).runQueueRemove,
});

const migrateFlags = {
  to: required(flag.text("--to <url>", "postgres://user@host/db (the password in MAILCFG_QUEUE_PASSWORD, never in the URL)")),
  ...jsonFlag,
};
export type QueueMigrateInput = Input<NoArgs, typeof migrateFlags>;

const migrate = defineCommand({
  name: "migrate",
  description: "move the entries of this machine's queue file to a shared PostgreSQL queue",
  flags: migrateFlags,
  help: `
Each entry keeps its state, attempts, history and attachments; the Message-ID is the key,
so running it again copies nothing twice. Entries being sent right now stay here.

Examples:
  $ MAILCFG_QUEUE_PASSWORD=... mailcfg queue migrate --to "postgres://mailcfg@db.example.com/mail?sslmode=verify-full"
  $ mailcfg config set queue-url "postgres://mailcfg@db.example.com/mail?sslmode=verify-full"`,
  load: async () => (await import("../commands/queue/migrate.js")).runQueueMigrate,
});

const purgeFlags = {
  sent: flag.on("--sent", "delete the entries that were sent"),
  failed: flag.on("--failed", "delete the entries that failed for good"),
  ...jsonFlag,
};
export type QueuePurgeInput = Input<NoArgs, typeof purgeFlags>;

const purge = defineCommand({
  name: "purge",
  description: "delete sent (and, with --failed, failed) entries",
  flags: purgeFlags,
  help: "\nExamples:\n  $ mailcfg queue purge --sent\n  $ mailcfg queue purge --sent --failed",
  load: async () => (await import("../commands/queue/remove.js")).runQueuePurge,
});

export const queue = defineCommand({
  name: "queue",
  summary: "the email queue: add, list, run",
  description: 'the email queue ("Add to Email Queue"): store messages, then send them with queue run',
  help: `
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
  subcommands: [add, list, show, run, retry, remove, migrate, purge],
});
