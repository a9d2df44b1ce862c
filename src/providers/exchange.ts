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
import { connectEws, type EwsClient, type EwsMessage } from "./ews-client.js";
import { EwsCallError } from "./ews-facts.js";
import { classifyEwsFailure } from "./exchange-errors.js";
import type { Attachment, ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent, SendHooks } from "./types.js";
import { ewsMaybeDelivered } from "./http-delivery.js";

export function createExchangeProvider(
  s: ExchangeSettings,
  password: string | undefined,
  o: ConnectOptions,
  env: NodeJS.ProcessEnv = process.env,
): MailProvider {
  return new ExchangeProvider(s, password, o, env);
}

class ExchangeProvider implements MailProvider {
  readonly type = "exchange";
  private readonly login: string;
  private client: Promise<EwsClient> | undefined;

  constructor(
    private readonly s: ExchangeSettings,
    private readonly password: string | undefined,
    private readonly o: ConnectOptions,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.login = exchangeLoginName(s);
  }

  async verify(): Promise<Evidence> {
    const { s, login } = this;
    let check;
    try {
      check = await (await this.open()).checkMailbox();
    } catch (err) {
      throw this.fail(err);
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
  }

  async send(mail: OutgoingMail, hooks?: SendHooks): Promise<Sent> {
    const from = mail.from ?? this.s.email;
    const attachments = await Promise.all((mail.attachments ?? []).map(readAttachment));
    let report;
    try {
      const client = await this.open();
      await hooks?.beforeBody?.();
      report = await client.sendAndSaveCopy(ewsMessage(mail, from, attachments));
    } catch (err) {
      const e = this.fail(err, from);
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
  }

  async close(): Promise<void> {
    // Each EWS call is one HTTP request; nothing stays open between calls.
    this.client = undefined;
  }

  /** The one client of this provider, opened on first use. */
  private open(): Promise<EwsClient> {
    const { s, o, password, login } = this;
    if (password === undefined) {
      throw new MailError("not-configured", `No password for ${login}.`, { hint: "Give it with --password-stdin or MAILCFG_PASSWORD." });
    }
    return (this.client ??= connectEws({
      url: s.ewsUrl,
      login,
      password,
      timeoutMs: o.timeoutMs,
      ...(o.ca ? { ca: o.ca } : {}),
      env: this.env,
      ...(o.onLog ? { onLog: o.onLog } : {}),
    }));
  }

  private fail(err: unknown, from?: string): unknown {
    return err instanceof EwsCallError ? classifyEwsFailure(err.facts, this.s, this.password, from) : err;
  }
}

/** The message as the EWS client takes it. */
function ewsMessage(mail: OutgoingMail, from: string, attachments: EwsMessage["attachments"]): EwsMessage {
  return {
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
