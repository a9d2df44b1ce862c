/**
 * The one module that talks to ews-javascript-api (CommonJS, pinned to 0.15 and lightly
 * maintained). Everything else in mailcfg sees only the small EwsClient interface below,
 * so the library can be replaced, and it is loaded with `await import()` on first use,
 * so commands that never reach Exchange never pay for it.
 *
 * What this module covers for the library:
 * - It does not XML-escape text it writes into the SOAP body: subject, body, names and
 *   addresses are escaped here first.
 * - It ignores `service.Timeout`: the timeout goes to its own transport (XhrApi from
 *   @ewsjs/xhr, re-exported by ews-javascript-api) as the axios `timeout`.
 * - Its transport drops the body of a non-200 answer and its error paths can throw
 *   inside promise callbacks (a SOAP fault that is not XML never settles). So the
 *   transport is wrapped: every HTTP answer is recorded as it arrives, and a failed
 *   exchange is reported to the caller from those recorded facts (status, SOAP
 *   ResponseCode, MessageText, socket error code) instead of through the library.
 */
import { trustedCas } from "../tls/trust.js";
import https from "node:https";
import { redact } from "../diagnosis/redact.js";

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

/** What a failed EWS exchange was, in facts the caller classifies (see exchange-errors.ts). */
export interface EwsFailureFacts {
  /** The EWS operation (GetFolder, CreateItem, SendItem) during which it failed. */
  operation: string;
  httpStatus?: number;
  statusText?: string;
  responseCode?: string;
  messageText?: string;
  /** Socket, DNS or TLS error code: ECONNREFUSED, ENOTFOUND, ETIMEDOUT, CERT_HAS_EXPIRED... */
  networkCode?: string;
  /** The error message, when there is no better fact. */
  message?: string;
  wwwAuthenticate?: string;
  /** Exchange's x-ms-diagnostics header, when present. */
  diagnostics?: string;
}

export class EwsCallError extends Error {
  override readonly name = "EwsCallError";
  constructor(readonly facts: EwsFailureFacts) {
    super(facts.message ?? facts.responseCode ?? (facts.httpStatus ? `HTTP ${facts.httpStatus}` : facts.networkCode ?? "EWS call failed"));
  }
}

/** Escapes text for an XML element body: the library writes strings into the SOAP body as they are. */
export function escapeXmlText(value: string): string {
  return (
    value
      // Characters XML 1.0 cannot carry at all (Exchange answers ErrorSchemaValidation).
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
  );
}

function unescapeXml(value: string): string {
  return value
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, "&");
}

/**
 * The refusal in an EWS answer: the first ResponseCode other than NoError, with its
 * MessageText; for a SOAP fault the detail's ResponseCode and Message (or faultstring).
 */
export function soapErrorOf(xml: string | undefined): { responseCode?: string; messageText?: string } {
  if (!xml) return {};
  const out: { responseCode?: string; messageText?: string } = {};
  for (const m of xml.matchAll(/<(?:[\w-]+:)?(\w+ResponseMessage)\b[^>]*>([\s\S]*?)<\/(?:[\w-]+:)?\1>/g)) {
    const inner = m[2];
    if (!inner) continue;
    const code = /<(?:[\w-]+:)?ResponseCode>([^<]+)</.exec(inner)?.[1]?.trim();
    if (code && code !== "NoError") {
      out.responseCode = code;
      const text = /<(?:[\w-]+:)?MessageText>([^<]*)</.exec(inner)?.[1];
      if (text) out.messageText = unescapeXml(text.trim());
      return out;
    }
  }
  if (/<(?:[\w-]+:)?Fault>/.test(xml)) {
    const code =
      /<(?:[\w-]+:)?ResponseCode[^>]*>([^<]+)</.exec(xml)?.[1] ?? /<faultcode[^>]*>(?:[\w-]+:)?([^<]+)</.exec(xml)?.[1];
    const text = /<(?:[\w-]+:)?Message[^>]*>([^<]*)</.exec(xml)?.[1] ?? /<faultstring[^>]*>([^<]*)</.exec(xml)?.[1];
    if (code) out.responseCode = code.trim();
    if (text) out.messageText = unescapeXml(text.trim());
  }
  return out;
}

function operationOf(soap: unknown): string {
  if (typeof soap !== "string") return "request";
  return /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(soap)?.[1] ?? "request";
}

/** The last HTTP exchange, as it happened. */
interface Recorded {
  operation?: string;
  status?: number;
  body?: string;
}

interface CallWatch {
  requestStarted(): void;
  answered(): void;
  failed(facts: EwsFailureFacts): void;
}

const LIBRARY_GRACE_MS = 10_000;

/** What the transport hands back or throws: an XMLHttpRequest-like answer, or a socket error. */
interface Xhr {
  status?: number;
  statusText?: string;
  getResponseHeader?: (h: string) => string | null;
  headers?: Record<string, unknown>;
  code?: string;
  message?: string;
  cause?: { code?: string };
}

/** Opens a client for one EWS endpoint; loads ews-javascript-api on first use. */
export async function connectEws(target: EwsTarget): Promise<EwsClient> {
  const ews = (await import("ews-javascript-api")).default;
  const log = (line: string) => target.onLog?.(redact(line, [target.password]));

  const ca = trustedCas(target.ca, target.env);
  const httpsAgent = ca ? new https.Agent({ ca }) : undefined;

  /**
   * A service of its own for each call: the record of the last HTTP exchange and the
   * watch on it belong to that call alone, so calls in flight at once (queue run
   * --concurrency) never read each other's answers or wait for each other's failures.
   */
  const session = () => {
    // Each call races the library against the transport's report of a failed exchange.
    let watch: CallWatch | undefined;
    const recorded: Recorded = {};

    const inner = new ews.XhrApi({
      timeout: target.timeoutMs,
      transitional: { clarifyTimeoutError: true },
      ...(httpsAgent ? { httpsAgent } : {}),
      // Called for every answer, whatever its status: keeps the body the library loses.
      transformResponse: [
        (data: unknown, _headers: unknown, status?: number) => {
          recorded.status = status;
          recorded.body = typeof data === "string" ? data : Buffer.isBuffer(data) ? data.toString("utf8") : undefined;
          return data;
        },
      ],
    });

    const transport = {
      get apiName() {
        return `mailcfg/${inner.apiName}`;
      },
      async xhr(options: { url: string; data?: unknown }): Promise<unknown> {
        const operation = operationOf(options.data);
        recorded.operation = operation;
        recorded.status = undefined;
        recorded.body = undefined;
        log(`> POST ${options.url} (${operation})`);
        watch?.requestStarted();
        try {
          const response = (await inner.xhr(options as never)) as Xhr;
          log(`< HTTP ${response.status ?? "?"} (${operation})`);
          watch?.answered();
          return response;
        } catch (raw) {
          const facts = failureFacts(operation, raw as Xhr, recorded);
          log(`< ${facts.httpStatus ? `HTTP ${facts.httpStatus}` : facts.networkCode ?? "error"} (${operation})${facts.responseCode ? ` ${facts.responseCode}` : ""}`);
          watch?.failed(facts);
          // The library's own handling of a failed exchange is unreliable (see above):
          // it is never told, and the caller gets the recorded facts instead.
          return new Promise(() => undefined);
        }
      },
      xhrStream(): Promise<never> {
        return Promise.reject(new Error("streaming requests are not used by mailcfg"));
      },
      disconnect() {
        inner.disconnect();
      },
    };

    const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
    service.Credentials = new ews.WebCredentials(target.login, target.password);
    service.Url = new ews.Uri(target.url);
    service.XHRApi = transport as never;

    const serverVersion = (): string | undefined => {
      const info = service.ServerInfo;
      return info ? `${info.MajorVersion}.${info.MinorVersion}.${info.MajorBuildNumber}.${info.MinorBuildNumber}` : undefined;
    };

    /** Runs one library call; turns any failure into an EwsCallError with facts. */
    const run = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const failed = new Promise<never>((_, reject) => {
        watch = {
          failed: (f) => reject(new EwsCallError(f)),
          requestStarted: () => clearTimeout(timer),
          // The transport's timeout covers waiting for the server; this covers the library
          // itself, should it never settle after an answer arrived.
          answered: () => {
            clearTimeout(timer);
            timer = setTimeout(
              () => reject(new EwsCallError({ operation, message: `the EWS client did not finish reading the server's answer within ${LIBRARY_GRACE_MS / 1000} s` })),
              LIBRARY_GRACE_MS,
            );
          },
        };
      });
      try {
        return await Promise.race([call(), failed]);
      } catch (err) {
        if (err instanceof EwsCallError) throw err;
        // A refusal inside a 200 answer (ResponseClass="Error"): read it from the answer itself.
        const soap = soapErrorOf(recorded.body);
        const e = err as { message?: string };
        throw new EwsCallError({
          operation: recorded.operation ?? operation,
          ...(recorded.status ? { httpStatus: recorded.status } : {}),
          ...soap,
          ...(soap.messageText ? {} : { message: typeof e?.message === "string" ? e.message : String(err) }),
        });
      } finally {
        clearTimeout(timer);
        watch = undefined;
      }
    };

    return { service, run, serverVersion };
  };

  return {
    async checkMailbox() {
      const { service, run, serverVersion } = session();
      const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName]);
      const folder = await run("GetFolder", () => ews.Folder.Bind(service, ews.WellKnownFolderName.Inbox, props));
      const version = serverVersion();
      return { folder: folder.DisplayName ?? "Inbox", ...(version ? { serverVersion: version } : {}) };
    },

    async sendAndSaveCopy(m) {
      const { service, run, serverVersion } = session();
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
      // With attachments the library saves a draft first (CreateItem SaveOnly) and then
      // sends it (SendItem, copy to Sent Items); without, one CreateItem SendAndSaveCopy.
      const operations = m.attachments.length > 0 ? ["CreateItem", "SendItem"] : ["CreateItem"];
      await run(operations.join("+"), () => message.SendAndSaveCopy());
      const version = serverVersion();
      return { operations, ...(version ? { serverVersion: version } : {}) };
    },
  };
}

/** Facts from what the transport threw: an HTTP answer other than 200, or a socket/TLS error. */
function failureFacts(operation: string, raw: Xhr, recorded: Recorded): EwsFailureFacts {
  const header = (name: string): string | undefined => {
    const v = raw.getResponseHeader?.(name) ?? raw.headers?.[name];
    return typeof v === "string" && v ? v : undefined;
  };
  const status = typeof raw.status === "number" && raw.status > 0 ? raw.status : undefined;
  if (status) {
    const soap = soapErrorOf(recorded.body);
    const www = header("www-authenticate");
    const diagnostics = header("x-ms-diagnostics");
    const location = header("location");
    return {
      operation,
      httpStatus: status,
      ...(raw.statusText ? { statusText: raw.statusText } : {}),
      ...soap,
      ...(www ? { wwwAuthenticate: www } : {}),
      ...(diagnostics ? { diagnostics } : {}),
      ...(location ? { message: `redirected to ${location}` } : {}),
    };
  }
  const code = raw.code ?? raw.cause?.code;
  return {
    operation,
    ...(code ? { networkCode: code } : {}),
    message: typeof raw.message === "string" ? raw.message : String(raw),
  };
}
