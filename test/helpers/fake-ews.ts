/**
 * A small Exchange Web Services endpoint on 127.0.0.1 for tests: it speaks the SOAP
 * operations mailcfg uses (GetFolder for the read-only check; CreateItem with
 * SendAndSaveCopy, or SaveOnly followed by SendItem when there are attachments),
 * checks Basic authentication, answers with the response shapes Exchange uses, and can
 * refuse (SOAP ResponseCodes), fail with 401, or stall.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";

export interface FakeEwsUser {
  password: string;
  /** The primary SMTP address of the account's mailbox; none: ErrorNonExistentMailbox. */
  mailbox?: string;
  /** Other addresses this account may send as. */
  sendAs?: string[];
  /** Exchange refuses the account access to the mailbox (ErrorAccessDenied). */
  accessDenied?: boolean;
}

export interface FakeEwsOptions {
  /** Sign-in names (as sent: company.com\jdoe or jdoe@company.com) and their accounts. */
  users: Record<string, FakeEwsUser>;
  /** Serve https with this certificate; plain http otherwise. */
  tls?: { key: string; cert: string };
  /** Force a ResponseCode for an operation, e.g. { CreateItem: "ErrorInvalidUserPrincipalName" }. */
  refuse?: Partial<Record<EwsOperation, string>>;
  /** Accept the connection and never answer. */
  stall?: boolean;
  /** Answer 200 with an HTML sign-in page, as a forms-based reverse proxy does. */
  loginPage?: boolean;
  /** Carry out a send (the message is in `sent`), then drop the connection without an answer. */
  dropAfterSend?: boolean;
}

export type EwsOperation = "GetFolder" | "CreateItem" | "SendItem";

export interface ReceivedRequest {
  operation: string;
  login?: string;
  xml: string;
}

export interface SentMessage {
  login: string;
  /** How the message left: CreateItem SendAndSaveCopy, or SaveOnly then SendItem. */
  via: "CreateItem" | "SendItem";
  savedToSentItems: boolean;
  from?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  bodyType: string;
  body: string;
  attachments: Array<{ name: string; contentType?: string; content: Buffer }>;
  internetMessageId?: string;
  /** The raw CreateItem request, as received. */
  xml: string;
}

export interface FakeEws {
  url: string;
  port: number;
  received: ReceivedRequest[];
  sent: SentMessage[];
  options: FakeEwsOptions;
  close(): Promise<void>;
}

const NS_M = "http://schemas.microsoft.com/exchange/services/2006/messages";
const NS_T = "http://schemas.microsoft.com/exchange/services/2006/types";

const MESSAGE_TEXT: Record<string, string> = {
  ErrorSendAsDenied:
    "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.",
  ErrorNonExistentMailbox: "The SMTP address has no mailbox associated with it.",
  ErrorAccessDenied: "Access is denied. Check credentials and try again., Cannot get ID from name.",
  ErrorInvalidUserPrincipalName: "The user principal name (UPN) is not valid.",
  ErrorQuotaExceeded: "The mailbox quota has been exceeded.",
};

export async function startFakeEws(options: FakeEwsOptions): Promise<FakeEws> {
  const received: ReceivedRequest[] = [];
  const sent: SentMessage[] = [];
  const drafts = new Map<string, Omit<SentMessage, "via" | "savedToSentItems">>();
  const sockets = new Set<Socket>();
  let nextId = 1;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const xml = Buffer.concat(chunks).toString("utf8");
      const operation = operationOf(xml);
      const login = basicLogin(req.headers.authorization);
      received.push({ operation, ...(login ? { login: login.user } : {}), xml });
      if (options.stall) return; // hold the connection open; close() destroys it
      if (options.loginPage) {
        res.writeHead(200, { "content-type": "text/html" }).end("<html><body><form>Sign in</form></body></html>");
        return;
      }

      if ((req.method !== "POST" && req.method !== "GET") || !/\/EWS\/Exchange\.asmx$/i.test(req.url ?? "")) {
        res.writeHead(404, { "content-type": "text/html" }).end("<html><body>404 Not Found</body></html>");
        return;
      }
      const user = login ? options.users[login.user] : undefined;
      if (!login || !user || user.password !== login.password) {
        // What IIS answers for a wrong or missing Basic login: 401 with an empty body.
        res.writeHead(401, { "www-authenticate": 'Basic realm="mail.example.test"', "content-length": "0" }).end();
        return;
      }
      if (req.method === "GET") {
        // Exchange answers a signed-in GET of the EWS address with its service page.
        res.writeHead(200, { "content-type": "text/html" }).end("<html><body>You have created a service.</body></html>");
        return;
      }
      const problem = wellFormednessProblem(xml);
      if (problem) {
        soapFault(res, "ErrorSchemaValidation", `The request failed schema validation: ${problem}`);
        return;
      }
      const forced = options.refuse?.[operation as EwsOperation];
      if (forced) return respond(res, operation, errorMessage(operation, forced));
      if (user.accessDenied) return respond(res, operation, errorMessage(operation, "ErrorAccessDenied"));
      if (!user.mailbox) return respond(res, operation, errorMessage(operation, "ErrorNonExistentMailbox"));

      switch (operation) {
        case "GetFolder":
          return respond(res, operation, folderMessage(user.mailbox));
        case "CreateItem": {
          const message = parseMessage(xml, login.user);
          const may = [user.mailbox, ...(user.sendAs ?? [])].map((a) => a.toLowerCase());
          if (message.from && !may.includes(message.from.toLowerCase())) {
            return respond(res, operation, errorMessage(operation, "ErrorSendAsDenied"));
          }
          const disposition = /MessageDisposition="(\w+)"/.exec(xml)?.[1] ?? "";
          if (disposition === "SaveOnly") {
            const id = `AAMkFAKE${nextId++}`;
            drafts.set(id, message);
            return respond(res, operation, createdMessage(id, message.attachments.length));
          }
          sent.push({ ...message, via: "CreateItem", savedToSentItems: disposition === "SendAndSaveCopy" });
          if (options.dropAfterSend) return void req.socket.destroy();
          return respond(res, operation, successMessage(operation));
        }
        case "SendItem": {
          const id = /<t:ItemId Id="([^"]+)"/.exec(xml)?.[1] ?? "";
          const draft = drafts.get(id);
          if (!draft) return respond(res, operation, errorMessage(operation, "ErrorItemNotFound", "The specified object was not found in the store."));
          drafts.delete(id);
          sent.push({ ...draft, via: "SendItem", savedToSentItems: /SaveItemToFolder="true"/.test(xml) });
          if (options.dropAfterSend) return void req.socket.destroy();
          return respond(res, operation, successMessage(operation));
        }
        default:
          soapFault(res, "ErrorInvalidRequest", `The request is not supported by this test server: ${operation}`);
      }
    });
  };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  server.on(options.tls ? "secureConnection" : "connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A failed TLS handshake (client does not trust the CA) is expected in tests.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}/EWS/Exchange.asmx`,
    port,
    received,
    sent,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

function basicLogin(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The operation: the first element inside soap:Body. */
function operationOf(xml: string): string {
  const m = /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(xml);
  return m?.[1] ?? "unknown";
}

/**
 * A minimal XML well-formedness check, enough to catch what Exchange rejects with
 * ErrorSchemaValidation when text is not escaped: a bare & or <, or unbalanced tags.
 */
export function wellFormednessProblem(xml: string): string | undefined {
  const body = xml.replace(/^<\?xml[^>]*\?>/, "");
  const stack: string[] = [];
  for (const token of body.match(/<[^>]*>|[^<]+|</g) ?? []) {
    if (token === "<") return "a bare < in text";
    if (token.startsWith("<")) {
      if (token.startsWith("<!--") || token.startsWith("<?")) continue;
      const close = /^<\/([\w:.-]+)\s*>$/.exec(token);
      if (close) {
        if (stack.pop() !== close[1]) return `end tag </${close[1]}> does not match`;
        continue;
      }
      const open = /^<([\w:.-]+)(\s+[\w:.-]+\s*=\s*("[^"]*"|'[^']*'))*\s*(\/?)>$/.exec(token);
      if (!open?.[1]) return `malformed tag ${token.slice(0, 40)}`;
      if (!open[4]) stack.push(open[1]);
      continue;
    }
    const badAmp = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.exec(token);
    if (badAmp) return "a bare & in text";
  }
  return stack.length === 0 ? undefined : `unclosed element <${stack[stack.length - 1]}>`;
}

function decode(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, "&");
}

function element(xml: string, name: string): string | undefined {
  const m = new RegExp(`<t:${name}(?:\\s[^>]*)?>([\\s\\S]*?)</t:${name}>`).exec(xml);
  return m?.[1];
}

function addresses(xml: string, list: string): string[] {
  const block = element(xml, list);
  if (!block) return [];
  return [...block.matchAll(/<t:EmailAddress>([^<]*)<\/t:EmailAddress>/g)].map((m) => decode(m[1] ?? ""));
}

function parseMessage(xml: string, login: string): Omit<SentMessage, "via" | "savedToSentItems"> {
  const fromBlock = element(xml, "From");
  const from = fromBlock ? /<t:EmailAddress>([^<]*)</.exec(fromBlock)?.[1] : undefined;
  const bodyMatch = /<t:Body BodyType="(\w+)"[^>]*>([\s\S]*?)<\/t:Body>/.exec(xml);
  const attachments = [...xml.matchAll(/<t:FileAttachment>([\s\S]*?)<\/t:FileAttachment>/g)].map((m) => {
    const a = m[1] ?? "";
    const contentType = element(a, "ContentType");
    return {
      name: decode(element(a, "Name") ?? ""),
      ...(contentType ? { contentType: decode(contentType) } : {}),
      content: Buffer.from(element(a, "Content") ?? "", "base64"),
    };
  });
  const msgId = /<t:ExtendedFieldURI PropertyTag="(?:0x1035|4149)" PropertyType="String"\s*\/?>(?:<\/t:ExtendedFieldURI>)?\s*<t:Value>([^<]*)<\/t:Value>/.exec(xml)?.[1];
  return {
    login,
    ...(from ? { from: decode(from) } : {}),
    to: addresses(xml, "ToRecipients"),
    cc: addresses(xml, "CcRecipients"),
    bcc: addresses(xml, "BccRecipients"),
    subject: decode(element(xml, "Subject") ?? ""),
    bodyType: bodyMatch?.[1] ?? "",
    body: decode(bodyMatch?.[2] ?? ""),
    attachments,
    ...(msgId ? { internetMessageId: decode(msgId) } : {}),
    xml,
  };
}

const SERVER_VERSION =
  '<h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11" ' +
  `xmlns:h="${NS_T}" xmlns="${NS_T}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"/>`;

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<s:Header>${SERVER_VERSION}</s:Header>` +
    `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${body}</s:Body>` +
    "</s:Envelope>"
  );
}

function respond(res: http.ServerResponse, operation: string, message: string): void {
  const xml = envelope(
    `<m:${operation}Response xmlns:m="${NS_M}" xmlns:t="${NS_T}"><m:ResponseMessages>${message}</m:ResponseMessages></m:${operation}Response>`,
  );
  res.writeHead(200, { "content-type": "text/xml; charset=utf-8" }).end(xml);
}

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function errorMessage(operation: string, code: string, text = MESSAGE_TEXT[code] ?? code): string {
  const items = operation === "GetFolder" ? "<m:Folders/>" : operation === "CreateItem" ? "<m:Items/>" : "";
  return (
    `<m:${operation}ResponseMessage ResponseClass="Error">` +
    `<m:MessageText>${escapeText(text)}</m:MessageText><m:ResponseCode>${code}</m:ResponseCode>` +
    `<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>${items}</m:${operation}ResponseMessage>`
  );
}

function successMessage(operation: string): string {
  const items = operation === "CreateItem" ? "<m:Items/>" : "";
  return `<m:${operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>${items}</m:${operation}ResponseMessage>`;
}

function createdMessage(id: string, attachmentCount: number): string {
  const attachments = Array.from(
    { length: attachmentCount },
    (_, i) => `<t:FileAttachment><t:AttachmentId Id="${id}-A${i}" RootItemId="${id}" RootItemChangeKey="CQAAAA=="/></t:FileAttachment>`,
  ).join("");
  return (
    '<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>' +
    `<t:Message><t:ItemId Id="${id}" ChangeKey="CQAAABYAAAA="/>${attachments ? `<t:Attachments>${attachments}</t:Attachments>` : ""}</t:Message>` +
    "</m:Items></m:CreateItemResponseMessage>"
  );
}

function folderMessage(mailbox: string): string {
  return (
    '<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Folders>' +
    `<t:Folder><t:FolderId Id="AAMkINBOX-${escapeText(mailbox)}" ChangeKey="AQAAABYAAAA="/>` +
    "<t:DisplayName>Inbox</t:DisplayName><t:TotalCount>3</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount><t:UnreadCount>1</t:UnreadCount>" +
    "</t:Folder></m:Folders></m:GetFolderResponseMessage>"
  );
}

/** A SOAP fault, as Exchange sends for requests it cannot parse (HTTP 500). */
function soapFault(res: http.ServerResponse, code: string, text: string): void {
  const xml =
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>' +
    `<faultcode xmlns:a="${NS_T}">a:${code}</faultcode><faultstring xml:lang="en-US">${escapeText(text)}</faultstring>` +
    `<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${code}</e:ResponseCode>` +
    `<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${escapeText(text)}</e:Message></detail>` +
    "</s:Fault></s:Body></s:Envelope>";
  res.writeHead(500, { "content-type": "text/xml; charset=utf-8" }).end(xml);
}
