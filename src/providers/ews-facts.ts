/**
 * What a failed EWS exchange was, read from the HTTP answer and the SOAP body as they
 * arrived (ews-session.ts records them), and the XML escaping the library leaves to its
 * callers. Facts only: exchange-errors.ts decides what they mean.
 */
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

/** The EWS operation a SOAP request body carries (the first element of its Body). */
export function operationOf(soap: unknown): string {
  if (typeof soap !== "string") return "request";
  return /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(soap)?.[1] ?? "request";
}

/** The last HTTP exchange, as it happened. */
export interface Recorded {
  operation?: string;
  status?: number;
  body?: string;
}

/** What the transport hands back or throws: an XMLHttpRequest-like answer, or a socket error. */
export interface Xhr {
  status?: number;
  statusText?: string;
  getResponseHeader?: (h: string) => string | null;
  headers?: Record<string, unknown>;
  code?: string;
  message?: string;
  cause?: { code?: string };
}

/** Facts from what the transport threw: an HTTP answer other than 200, or a socket/TLS error. */
export function failureFacts(operation: string, raw: Xhr, recorded: Recorded): EwsFailureFacts {
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
