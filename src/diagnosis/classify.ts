import rows from "./patterns.json" with { type: "json" };
import clientRows from "../failures/rows-clients.json" with { type: "json" };
import { readSignals, signalVerdict } from "../failures/signals.js";
import type { Category } from "../errors.js";
import { PRODUCT_MESSAGES } from "./product-messages.js";
import { describeCodes } from "./status-codes.js";
import type { Remedy } from "../failures/facts.js";
import type { Verdict } from "../failures/verdict.js";

/** One row of the knowledge table (patterns.json): add a row, not code. */
export interface PatternRow {
  id: string;
  /** Regular expression, matched case-insensitive and multiline. */
  pattern: string;
  category: Category;
  provider?: string;
  cause: string;
  fix: string[];
  source: string;
  /** The mailcfg command that checks this failure; "company|user <id>" stands for the sender. */
  check?: string;
  /** Whether a retry helps, when the category alone does not say (see failures/classify.ts). */
  transient?: boolean;
  /** A change of settings that fixes it. */
  remedy?: Remedy;
}

/**
 * What the text rows alone say: a verdict of the failure model (failures/verdict.ts)
 * whose `transient` is set only when a row says so; failures/classify.ts completes it.
 */
export type Classification = Omit<Verdict, "transient"> & { transient?: boolean };

/** The placeholder in `check` commands for the sender being diagnosed. */
export const OWNER_PLACEHOLDER = "company|user <id>";

interface CompiledRow extends PatternRow {
  re: RegExp;
}

/**
 * patterns.json, then the phrasings of other clients (rows-clients.json; a row there with
 * `before` goes in front of the named row, to be more specific than it), then (in
 * classifyText) the codes alone.
 */
const TABLE: CompiledRow[] = (clientRows as Array<PatternRow & { before?: string }>)
  .reduce<PatternRow[]>((table, { before, ...row }) => {
    const at = before ? table.findIndex((r) => r.id === before) : -1;
    if (at < 0) table.push(row);
    else table.splice(at, 0, row);
    return table;
  }, [...(rows as PatternRow[])])
  .map((r) => ({ ...r, re: new RegExp(r.pattern, "im") }));

/** Rows that only name a wrapper (an exception class, a bare 4xx/5xx): the codes inside say more when they disagree. */
const WRAPPER_ROWS = new Set([
  "smtp-4xx-temporary",
  "smtp-5xx-refused",
  "python-data-error",
  "python-sender-refused",
  "python-recipients-refused",
  "java-invalid-addresses",
  "phpmailer-data-not-accepted",
  "nodemailer-envelope",
  "nodemailer-socket",
  "dotnet-failure-sending-mail",
  "java-cannot-send-command",
  "cannot-connect-generic",
]);

export function patternTable(): readonly PatternRow[] {
  return TABLE;
}

/**
 * Who sent a reply, from the signs providers leave in their texts (host names, trailers
 * like "gsmtp", error families). Microsoft comes first: its EWS URL also says "EWS".
 */
const PROVIDER_SIGNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/outlook\.com|office365\.com|outlook\.office\.com|protection\.outlook|microsoftonline|onmicrosoft\.com|AADSTS\d|STOREDRV|aka\.ms\/|hotmail\.com|live\.com/i, "Microsoft 365"],
  [/gsmtp|google\.com|googleapis\.com|gmail\.com|googlemail\.com|\bgmail\b|\bgoogle\b/i, "Gmail"],
  [/yahoo|ymail\.com|\baol\.com|rocketmail/i, "Yahoo"],
  [/Exchange Server|\bEWS\b|Exchange\.asmx|Microsoft\.Exchange|Microsoft ESMTP MAIL Service|\bError(AccessDenied|NonExistentMailbox|SendAsDenied|InvalidUserPrincipalName|ImpersonateUserDenied|ServerBusy|SchemaValidation)\b/i, "Exchange Server"],
  [/zoho/i, "Zoho Mail"],
  [/icloud\.com|mail\.me\.com/i, "iCloud Mail"],
  [/secureserver\.net/i, "GoDaddy"],
  [/amazonses|email-smtp\.[a-z0-9-]+\.amazonaws\.com/i, "Amazon SES"],
  [/sendgrid/i, "SendGrid"],
  [/mailgun/i, "Mailgun"],
  [/ionos|1and1/i, "IONOS"],
  [/\bgmx\./i, "GMX"],
];

/** The provider a text (a reply, a host name, a URL) points to, if any. */
export function recognizeProvider(text: string): string | undefined {
  return PROVIDER_SIGNS.find(([re]) => re.test(text))?.[1];
}

/** Status codes in text: enhanced ones (RFC 3463, x.y.z) and three-digit SMTP (or HTTP) replies. */
export function extractCodes(text: string): string[] {
  const found = new Set<string>();
  // Not part of a longer dotted number (an IP address or a version such as 4.16.55.1).
  for (const m of text.matchAll(/(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/g)) if (m[1]) found.add(m[1]);
  // Second digit 0-5 as in RFC 5321, so ports (587, 465) are not mistaken for replies.
  for (const m of text.matchAll(/(?:^|[\s(:"'[])([2-5][0-5][0-9])(?=[\s\-,)'"\]]|\.(?!\d)|$)/gm)) if (m[1]) found.add(m[1]);
  return [...found];
}

const IDENTIFIERS: RegExp[] = [
  /\b(AADSTS\d+)\b/,
  /\b(Error[A-Z][A-Za-z]{5,})\b/,
  /\b(invalid_grant|redirect_uri_mismatch|access_denied|invalid_client|unauthorized_client|invalid_scope|insufficient_scope|org_internal|admin_policy_enforced)\b/,
  /\b(failedPrecondition|rateLimitExceeded|userRateLimitExceeded|ACCESS_TOKEN_SCOPE_INSUFFICIENT|accessNotConfigured)\b/,
  /\b(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|ERR_SSL_[A-Z_]+)\b/,
  /\b(ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|EACCES|EAUTH|ESOCKET|ECONNECTION|EENVELOPE|EMESSAGE|EPROTOCOL|ETLS|EDNS)\b/,
];

function firstIdentifier(text: string, which: number[]): string | undefined {
  for (const i of which) {
    const m = IDENTIFIERS[i]?.exec(text);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** The single most useful code: AADSTS, then enhanced status, EWS code, basic reply, OAuth error, TLS/errno. */
function bestCode(text: string, codes: string[]): string | undefined {
  return (
    firstIdentifier(text, [0]) ??
    codes.find((c) => c.includes(".")) ??
    firstIdentifier(text, [1]) ??
    codes[0] ??
    firstIdentifier(text, [2, 3, 4, 5])
  );
}

/** The mailcfg command that checks a failure of this kind. */
export function checkFor(category: Category, provider: string | undefined): string {
  if (category === "oauth") {
    if (provider === "Gmail") return `mailcfg connect-gmail ${OWNER_PLACEHOLDER}`;
    if (provider === "Microsoft 365") return `mailcfg connect-microsoft ${OWNER_PLACEHOLDER}`;
  }
  if (category === "domain") return `mailcfg setup ${OWNER_PLACEHOLDER} --type exchange --domain company.com`;
  return `mailcfg diagnose ${OWNER_PLACEHOLDER}`;
}

/** Classifies any error text: the first matching row wins (rows go specific to general). */
export function classifyText(text: string): Classification {
  const codes = extractCodes(text);
  const code = bestCode(text, codes);
  const meanings = describeCodes(codes);
  const found = TABLE.find((r) => r.re.test(text));
  // No row knows the words (or only a wrapper row does): the codes alone still say a lot.
  const signal = found && !WRAPPER_ROWS.has(found.id) ? undefined : signalVerdict(readSignals(text, codes));
  const useSignal = signal && (!found || signal.category !== found.category);
  const row: CompiledRow | undefined = useSignal ? { ...signal, id: `signal:${signal.id}`, pattern: "", re: /$^/ } : found;
  const provider = row?.provider ?? recognizeProvider(text);
  if (!row) {
    const base: Classification = {
      category: "unknown",
      cause:
        "mailcfg does not recognise this text: it is not in the table of known failures." +
        (meanings.length > 0 ? " The status codes in it are explained below." : ""),
      fix: ["Run mailcfg diagnose for the sender to see which stage fails.", "If the text names a code, look it up with the provider."],
      codes,
      meanings,
      check: checkFor("unknown", provider),
    };
    return { ...base, ...(code ? { code } : {}), ...(provider ? { provider } : {}) };
  }
  const out: Classification = {
    category: row.category,
    cause: row.cause,
    fix: row.fix,
    codes,
    meanings,
    rowId: row.id,
    source: row.source,
    check: row.check ?? checkFor(row.category, provider),
  };
  if (provider) out.provider = provider;
  if (code) out.code = code;
  if (row.transient !== undefined) out.transient = row.transient;
  if (row.remedy) out.remedy = row.remedy;
  const product = PRODUCT_MESSAGES[row.category];
  if (product) out.productMessage = product;
  return out;
}

/** The text to classify from a thrown error: code, reply, message and causes. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 4; depth++) {
    if (typeof cur === "object") {
      const e = cur as { code?: unknown; response?: unknown; message?: unknown; reason?: unknown; cause?: unknown };
      if (typeof e.code === "string") parts.push(e.code);
      if (typeof e.response === "string") parts.push(e.response);
      if (typeof e.message === "string") parts.push(e.message);
      if (typeof e.reason === "string") parts.push(e.reason);
      cur = e.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join("\n");
}
