import { MailError, type Category } from "../errors.js";
import type { FailureFacts, Stage } from "../failures/facts.js";
import { redact } from "../diagnosis/redact.js";

/**
 * What a failure to reach or use the shared queue means. Facts first (errno, SQLSTATE),
 * then one small table: unreachable is `server` (exit 4, transient), a refused login
 * `auth`, TLS trouble `ssl`, a missing database a settings problem.
 */
const ROWS: Array<{ test: (code: string, text: string) => boolean; category: Category; stage: Stage; transient: boolean; cause: string; fix: string }> = [
  {
    test: (c) => c === "28P01" || c === "28000",
    category: "auth",
    stage: "auth",
    transient: false,
    cause: "the server refused the login (user or password wrong)",
    fix: "Check the user in the URL and the password in MAILCFG_QUEUE_PASSWORD (or PGPASSWORD, ~/.pgpass).",
  },
  {
    test: (_c, t) => /SSL|TLS|certificate|self[- ]signed/i.test(t),
    category: "ssl",
    stage: "tls",
    transient: false,
    cause: "the TLS connection failed (see sslmode in the URL)",
    fix: "Match sslmode to the server: require or verify-full when it offers TLS (with sslrootcert for a private CA), disable only on a trusted network.",
  },
  {
    test: (c) => c === "3D000",
    category: "config",
    stage: "auth",
    transient: false,
    cause: "the database named in the URL does not exist",
    fix: "Create it (CREATE DATABASE ...) or correct the URL; mailcfg creates its tables itself.",
  },
];

export function pgFailure(err: unknown, where: string, secrets: ReadonlyArray<string | undefined>): MailError {
  if (err instanceof MailError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const text = redact(typeof e?.message === "string" ? e.message : String(err), secrets);
  const row = ROWS.find((r) => r.test(code, text));
  const facts: FailureFacts = { stage: row?.stage ?? "tcp", ...(code ? { errno: code } : {}), serverText: text, settings: { url: where } };
  if (row) {
    return new MailError(row.category, `The shared queue at ${where}: ${row.cause}.`, { hint: row.fix, evidence: text, facts, transient: row.transient, productMessage: NO_PRODUCT_MESSAGE, cause: err });
  }
  // Anything else on the way there (refused, unknown host, timed out, dropped) is the server out of reach.
  return new MailError("server", `The shared queue at ${where} cannot be reached: ${text}`, {
    hint: "Nothing was changed in the queue. Check that the PostgreSQL server is up and reachable from here, then run the command again.",
    evidence: text,
    facts,
    transient: true,
    productMessage: NO_PRODUCT_MESSAGE,
    cause: err,
  });
}

// The product's messages are about sending mail; the queue's own database is not that.
const NO_PRODUCT_MESSAGE = "";
