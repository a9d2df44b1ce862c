/**
 * The one module (with ews-session.ts and ews-facts.ts beside it) that talks to
 * ews-javascript-api (CommonJS, pinned to 0.15 and lightly maintained). Everything else
 * in mailcfg sees only the small EwsClient interface below, so the library can be
 * replaced, and it is loaded with `await import()` on first use, so commands that never
 * reach Exchange never pay for it.
 *
 * What this module covers for the library:
 * - It does not XML-escape text it writes into the SOAP body: subject, body, names and
 *   addresses are escaped here first.
 * - It ignores `service.Timeout`: the timeout goes to its own transport (XhrApi from
 *   @ewsjs/xhr, re-exported by ews-javascript-api) as the axios `timeout`.
 * - Its transport drops the body of a non-200 answer and its error paths can throw
 *   inside promise callbacks (a SOAP fault that is not XML never settles). So the
 *   transport is wrapped (ews-session.ts): every HTTP answer is recorded as it arrives,
 *   and a failed exchange is reported to the caller from those recorded facts (status,
 *   SOAP ResponseCode, MessageText, socket error code) instead of through the library.
 */
import https from "node:https";
import type { EmailMessage, ExchangeService } from "ews-javascript-api";
import { trustedCas } from "../tls/trust.js";
import { redact } from "../diagnosis/redact.js";
import { escapeXmlText } from "./ews-facts.js";
import { EwsSession, type EwsModule } from "./ews-session.js";

// The rest of mailcfg imports EWS from this module alone, the facts of a failure included.

/** Where and how to reach EWS. The password is used for the Authorization header only. */
export interface EwsTarget {
  url: string;
  /** Sign-in name as sent: company.com\jdoe or jdoe@company.com. */
  login: string;
  password: string;
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), added to the system's and NODE_EXTRA_CA_CERTS. */
  ca?: string[];
  env?: NodeJS.ProcessEnv;
  /** Receives one line per HTTP exchange, secrets masked. */
  onLog?: (line: string) => void;
}

export interface EwsMessage {
  from: string;
  /** The display name shown with From. */
  fromName?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  html?: string;
  attachments: Array<{ name: string; content: Buffer; contentType?: string }>;
  /**
   * A Message-ID fixed by the caller (the queue), set as PR_INTERNET_MESSAGE_ID so a
   * resend can be recognised. Without it Exchange assigns one.
   */
  internetMessageId?: string;
  /** X- headers, set through the InternetHeaders property set. */
  headers?: Record<string, string>;
}

export interface MailboxCheck {
  folder: string;
  serverVersion?: string;
}

export interface SendReport {
  /** The EWS operations that carried the message, in order. */
  operations: string[];
  serverVersion?: string;
}

export interface EwsClient {
  /** Read-only: signs in and opens the Inbox (GetFolder). */
  checkMailbox(): Promise<MailboxCheck>;
  /** Sends and keeps a copy in Sent Items (CreateItem with SendAndSaveCopy). */
  sendAndSaveCopy(message: EwsMessage): Promise<SendReport>;
}

/** Opens a client for one EWS endpoint; loads ews-javascript-api on first use. */
export async function connectEws(target: EwsTarget): Promise<EwsClient> {
  const ews = (await import("ews-javascript-api")).default;
  return new LibraryEwsClient(ews, target);
}

/** The EwsClient over ews-javascript-api: a session of its own for each call (see ews-session.ts). */
class LibraryEwsClient implements EwsClient {
  private readonly httpsAgent: https.Agent | undefined;

  constructor(
    private readonly ews: EwsModule,
    private readonly target: EwsTarget,
  ) {
    const ca = trustedCas(target.ca, target.env);
    this.httpsAgent = ca ? new https.Agent({ ca }) : undefined;
  }

  async checkMailbox(): Promise<MailboxCheck> {
    const ews = this.ews;
    const session = this.session();
    const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName]);
    const folder = await session.run("GetFolder", () => ews.Folder.Bind(session.service, ews.WellKnownFolderName.Inbox, props));
    const version = session.serverVersion();
    return { folder: folder.DisplayName ?? "Inbox", ...(version ? { serverVersion: version } : {}) };
  }

  async sendAndSaveCopy(m: EwsMessage): Promise<SendReport> {
    const session = this.session();
    const message = composeMessage(this.ews, session.service, m);
    // With attachments the library saves a draft first (CreateItem SaveOnly) and then
    // sends it (SendItem, copy to Sent Items); without, one CreateItem SendAndSaveCopy.
    const operations = m.attachments.length > 0 ? ["CreateItem", "SendItem"] : ["CreateItem"];
    await session.run(operations.join("+"), () => message.SendAndSaveCopy());
    const version = session.serverVersion();
    return { operations, ...(version ? { serverVersion: version } : {}) };
  }

  private session(): EwsSession {
    const t = this.target;
    return new EwsSession(this.ews, {
      url: t.url,
      login: t.login,
      password: t.password,
      timeoutMs: t.timeoutMs,
      ...(this.httpsAgent ? { httpsAgent: this.httpsAgent } : {}),
      log: (line) => t.onLog?.(redact(line, [t.password])),
    });
  }
}

/** The library's message, every text escaped first (the library writes them into the SOAP body as they are). */
function composeMessage(ews: EwsModule, service: ExchangeService, m: EwsMessage): EmailMessage {
  const message = new ews.EmailMessage(service);
  message.From = m.fromName ? new ews.EmailAddress(escapeXmlText(m.fromName), escapeXmlText(m.from)) : new ews.EmailAddress(escapeXmlText(m.from));
  for (const a of m.to) message.ToRecipients.Add(escapeXmlText(a));
  for (const a of m.cc) message.CcRecipients.Add(escapeXmlText(a));
  for (const a of m.bcc) message.BccRecipients.Add(escapeXmlText(a));
  message.Subject = escapeXmlText(m.subject);
  // EWS takes one body: with HTML, Exchange derives the plain-text part itself.
  message.Body =
    m.html !== undefined
      ? new ews.MessageBody(ews.BodyType.HTML, escapeXmlText(m.html))
      : new ews.MessageBody(ews.BodyType.Text, escapeXmlText(m.text));
  if (m.internetMessageId) {
    const messageIdTag = new ews.ExtendedPropertyDefinition(0x1035, ews.MapiPropertyType.String);
    message.SetExtendedProperty(messageIdTag, escapeXmlText(m.internetMessageId));
  }
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (!/^x-/i.test(name)) continue;
    const header = new ews.ExtendedPropertyDefinition(ews.DefaultExtendedPropertySet.InternetHeaders, name, ews.MapiPropertyType.String);
    message.SetExtendedProperty(header, escapeXmlText(value));
  }
  for (const a of m.attachments) {
    const attachment = message.Attachments.AddFileAttachment(escapeXmlText(a.name), a.content.toString("base64"));
    if (a.contentType) attachment.ContentType = escapeXmlText(a.contentType);
  }
  return message;
}
