/**
 * The Exchange (EWS) service type: a MailProvider over ews-client.ts. verify() is a
 * read-only sign-in (GetFolder on the Inbox); send() is CreateItem with
 * SendAndSaveCopy, so the mail also lands in the sender's Sent Items, as when the
 * product sends it.
 */
import { readFile } from "node:fs/promises";
import type { ExchangeSettings } from "../config/types.js";
import { MailError } from "../errors.js";
import { exchangeLoginName, loginFormWords } from "../config/exchange-fields.js";
import { connectEws, EwsCallError, type EwsClient } from "./ews-client.js";
import { classifyEwsFailure } from "./exchange-errors.js";
import type { Attachment, ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent, SendHooks } from "./types.js";
import { ewsMaybeDelivered } from "./http-delivery.js";

export function createExchangeProvider(
  s: ExchangeSettings,
  password: string | undefined,
  o: ConnectOptions,
  env: NodeJS.ProcessEnv = process.env,
): MailProvider {
  const login = exchangeLoginName(s);
  let client: Promise<EwsClient> | undefined;
  const open = (): Promise<EwsClient> => {
    if (password === undefined) {
      throw new MailError("not-configured", `No password for ${login}.`, { hint: "Give it with --password-stdin or MAILCFG_PASSWORD." });
    }
    return (client ??= connectEws({
      url: s.ewsUrl,
      login,
      password,
      timeoutMs: o.timeoutMs,
      ...(o.ca ? { ca: o.ca } : {}),
      env,
      ...(o.onLog ? { onLog: o.onLog } : {}),
    }));
  };
  const fail = (err: unknown, from?: string): unknown =>
    err instanceof EwsCallError ? classifyEwsFailure(err.facts, s, password, from) : err;

  return {
    type: "exchange",
    async verify(): Promise<Evidence> {
      let check;
      try {
        check = await (await open()).checkMailbox();
      } catch (err) {
        throw fail(err);
      }
      const version = check.serverVersion ? ` (Exchange ${check.serverVersion})` : "";
      return {
        summary: `Signed in to ${s.ewsUrl} as ${login} (${loginFormWords(s)}) and opened the ${check.folder} read-only${version}.`,
        facts: {
          ewsUrl: s.ewsUrl,
          login,
          loginForm: loginFormWords(s),
          check: "GetFolder Inbox",
          ...(check.serverVersion ? { serverVersion: check.serverVersion } : {}),
        },
      };
    },

    async send(mail: OutgoingMail, hooks?: SendHooks): Promise<Sent> {
      const from = mail.from ?? s.email;
      const attachments = await Promise.all((mail.attachments ?? []).map(readAttachment));
      let report;
      try {
        const client = await open();
        await hooks?.beforeBody?.();
        report = await client.sendAndSaveCopy({
          from,
          ...(mail.fromName ? { fromName: mail.fromName } : {}),
          to: mail.to,
          cc: mail.cc ?? [],
          bcc: mail.bcc ?? [],
          subject: mail.subject,
          text: mail.text,
          ...(mail.html !== undefined ? { html: mail.html } : {}),
          attachments,
          ...(mail.messageId ? { internetMessageId: mail.messageId } : {}),
          ...(mail.headers ? { headers: mail.headers } : {}),
        });
      } catch (err) {
        const e = fail(err, from);
        // No answer to the request that sends: Exchange may have sent it.
        if (err instanceof EwsCallError && e instanceof MailError && ewsMaybeDelivered(err.facts, attachments.length > 0)) {
          e.details.facts = { ...e.details.facts, maybeDelivered: true };
        }
        throw e;
      }
      const how = report.operations.length > 1 ? "CreateItem (draft with attachments) then SendItem" : "CreateItem SendAndSaveCopy";
      return {
        // EWS does not report the Message-ID it assigns; only one fixed up front is known.
        messageId: mail.messageId ?? "",
        accepted: [...mail.to, ...(mail.cc ?? []), ...(mail.bcc ?? [])],
        rejected: [],
        response: `${how}: NoError, copy saved to Sent Items`,
      };
    },

    async close() {
      // Each EWS call is one HTTP request; nothing stays open between calls.
      client = undefined;
    },
  };
}

async function readAttachment(a: Attachment): Promise<{ name: string; content: Buffer; contentType?: string }> {
  let content: Buffer;
  if (a.content !== undefined) content = typeof a.content === "string" ? Buffer.from(a.content, "utf8") : a.content;
  else if (a.path) {
    try {
      content = await readFile(a.path);
    } catch (err) {
      throw new MailError("usage", `Attachment ${a.path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? "error"}).`);
    }
  } else throw new MailError("usage", `Attachment ${a.filename} has neither content nor a path.`);
  return { name: a.filename, content, ...(a.contentType ? { contentType: a.contentType } : {}) };
}
