/**
 * The failure model: facts (from a provider, or read off pasted text) go in, one verdict
 * comes out. One table, most specific first:
 *   1. fact rows (fact-rows.json): structured facts plus the settings used, e.g. a
 *      greeting that never came on port 465, or a 535 after an XOAUTH2 login;
 *   2. text rows (diagnosis/patterns.json): provider replies, client messages;
 *   3. generic signals: enhanced status codes, reply codes, errno, HTTP status.
 * Then the same finishing for every verdict: provider advice from the host, whether a
 * retry helps, the remedy, the product's message, the command that checks it.
 */
import factRowsJson from "./fact-rows.json" with { type: "json" };
import type { Category } from "../errors.js";
import { classifyText, checkFor, recognizeProvider } from "../diagnosis/classify.js";
import { PRODUCT_MESSAGES } from "../diagnosis/product-messages.js";
import type { FailureFacts, Remedy, Stage } from "./facts.js";
import { mergeFacts } from "./text-facts.js";
import type { Verdict } from "./verdict.js";
import { fillPlaceholders, placeholderValues } from "./placeholders.js";
import { isIP } from "node:net";
import { signalVerdict, type SignalVerdict } from "./signals.js";

/** Conditions on facts; every condition given must hold. `null` in a list matches an unknown value. */
export interface FactMatch {
  stage?: Stage[];
  timeout?: boolean;
  errno?: string[];
  replyCode?: number[];
  security?: Array<"starttls" | "tls" | "none" | null>;
  port?: number[];
  implicitTls?: boolean;
  auth?: string[];
  byIp?: boolean;
  certNames?: boolean;
  httpStatus?: number[];
  responseCode?: string[];
  oauthError?: string[];
  aadsts?: number[];
  googleReason?: string[];
  type?: string[];
  /** A probe found other settings that work. */
  works?: boolean;
  oauthStep?: Array<"consent" | "code-exchange" | "refresh" | null>;
  signIn?: string[];
  loginForm?: Array<"domain" | "upn" | null>;
  exchangeOnline?: boolean;
  basicOffered?: boolean;
  transport?: Array<"smtp" | "graph" | null>;
  maybeDelivered?: boolean;
  /** Facts that must be known, whatever their value. */
  present?: Array<keyof FailureFacts>;
}

export interface FactRow {
  id: string;
  when?: FactMatch;
  /** Regular expression over the text, case-insensitive. */
  pattern?: string;
  category: Category;
  provider?: string;
  cause: string;
  fix: string[];
  transient?: boolean;
  remedy?: Remedy;
  /** The remedy is the settings a probe found to work (facts.works). */
  remedyFromProbe?: boolean;
  source: string;
  check?: string;
  /** A machine-readable code for --json, when the facts give none better (e.g. rate_limited). */
  code?: string;
  /** A failure this row decides, as facts and/or text: the table's own test runs it. */
  example: { facts?: FailureFacts; text?: string };
}

interface CompiledRow extends FactRow {
  re?: RegExp;
}

const FACT_ROWS: CompiledRow[] = (factRowsJson as unknown as FactRow[]).map((r) => ({
  ...r,
  ...(r.pattern ? { re: new RegExp(r.pattern, "im") } : {}),
}));

export function factRows(): readonly FactRow[] {
  return FACT_ROWS;
}

function inList<T>(list: ReadonlyArray<T | null> | undefined, value: T | undefined): boolean {
  if (list === undefined) return true;
  return value === undefined ? list.includes(null) : list.includes(value);
}

function matches(m: FactMatch, f: FailureFacts): boolean {
  const s = f.settings ?? {};
  if (m.stage && !(f.stage && m.stage.includes(f.stage))) return false;
  if (m.timeout !== undefined && m.timeout !== (f.timeoutMs !== undefined || f.errno === "ETIMEDOUT")) return false;
  if (m.errno && !(f.errno && m.errno.includes(f.errno))) return false;
  if (m.replyCode && !(f.replyCode && m.replyCode.includes(f.replyCode))) return false;
  if (!inList(m.security, s.security)) return false;
  if (m.port && !(s.port && m.port.includes(s.port))) return false;
  if (m.implicitTls !== undefined && m.implicitTls !== (f.implicitTls === true)) return false;
  if (m.auth && !(s.auth && m.auth.includes(s.auth))) return false;
  if (m.byIp !== undefined && m.byIp !== (s.host !== undefined && isIP(s.host) !== 0)) return false;
  if (m.certNames !== undefined && m.certNames !== (f.tls?.certNames?.length ?? 0) > 0) return false;
  if (m.httpStatus && !(f.httpStatus && m.httpStatus.includes(f.httpStatus))) return false;
  if (m.responseCode && !(f.responseCode && m.responseCode.includes(f.responseCode))) return false;
  if (m.oauthError && !(f.oauthError && m.oauthError.includes(f.oauthError))) return false;
  if (m.aadsts && !(f.aadsts && m.aadsts.includes(f.aadsts))) return false;
  if (m.googleReason && !(f.googleReason && m.googleReason.includes(f.googleReason))) return false;
  if (m.type && !(s.type && m.type.includes(s.type))) return false;
  if (m.works !== undefined && m.works !== (f.works !== undefined)) return false;
  if (!inList(m.oauthStep, f.oauthStep)) return false;
  if (m.signIn && !(f.signIn && m.signIn.includes(f.signIn))) return false;
  if (!inList(m.loginForm, s.loginForm)) return false;
  if (m.exchangeOnline !== undefined && m.exchangeOnline !== (s.exchangeOnline === true)) return false;
  if (m.basicOffered !== undefined && m.basicOffered !== (f.basicOffered !== false)) return false;
  if (!inList(m.transport, s.transport)) return false;
  if (m.maybeDelivered !== undefined && m.maybeDelivered !== (f.maybeDelivered === true)) return false;
  if (m.present && !m.present.every((k) => f[k] !== undefined)) return false;
  return true;
}

function rowMatches(r: CompiledRow, f: FailureFacts, text: string): boolean {
  if (r.when && !matches(r.when, f)) return false;
  if (r.re && !r.re.test(text)) return false;
  return r.when !== undefined || r.re !== undefined;
}

/** Advice a verdict gains from the host it was about, when the row did not name a provider. */
const HOST_ADVICE: ReadonlyArray<{ host: RegExp; provider: string; category: Category; fix: string; remedy?: Remedy }> = [
  {
    host: /(^|\.)(gmail|googlemail)\.com$/i,
    provider: "Gmail",
    category: "auth",
    fix: "Gmail needs an App Password: https://myaccount.google.com/apppasswords.",
  },
  {
    host: /(^|\.)(office365\.com|outlook\.com)$/i,
    provider: "Microsoft 365",
    category: "auth",
    fix: "Password sign-in for SMTP is disabled by default from the end of December 2026; connect with OAuth: mailcfg connect-microsoft.",
    remedy: { reconnect: "microsoft" },
  },
];

export interface FailureInput {
  facts?: FailureFacts;
  /** The error text: the server's words, the library's message, or pasted text. */
  text?: string;
}

/** The verdict for a failure. Pure: no network, nothing loaded. */
export function classify(input: FailureInput): Verdict {
  const text = input.text ?? "";
  const facts = mergeFacts(input.facts, text);
  const byText = classifyText(text);
  const row = FACT_ROWS.find((r) => rowMatches(r, facts, text));
  const values = placeholderValues(facts);
  const sig = !row && byText.category === "unknown" ? liveSignal(facts) : undefined;
  let v: Verdict;
  if (row) {
    v = {
      category: row.category,
      cause: fillPlaceholders(row.cause, values),
      fix: row.fix.map((x) => fillPlaceholders(x, values)),
      codes: byText.codes,
      ...(byText.meanings ? { meanings: byText.meanings } : {}),
      ...(row.code ? { code: row.code } : byText.code ? { code: byText.code } : {}),
      rowId: row.id,
      source: row.source,
      transient: row.transient ?? derivedTransient(row.category, facts),
      ...(row.provider ? { provider: row.provider } : byText.provider ? { provider: byText.provider } : {}),
      ...(row.remedy ? { remedy: fillRemedy(row.remedy, values) } : {}),
      ...(row.remedyFromProbe && facts.works ? { remedy: { port: facts.works.port, security: facts.works.security } } : {}),
      ...(row.check ? { check: row.check } : {}),
    };
  } else if (sig) {
    // The text says nothing known, but the facts carry codes: the generic layer reads them.
    v = {
      ...byText,
      category: sig.category,
      cause: sig.cause,
      fix: sig.fix,
      rowId: `signal:${sig.id}`,
      source: sig.source,
      transient: sig.transient,
    };
  } else {
    v = { ...byText, transient: byText.transient ?? derivedTransient(byText.category, facts) };
    if (byText.remedy) v.remedy = fillRemedy(byText.remedy, values);
  }
  return finish(v, facts);
}

const HTTP_CONTEXT = { exchange: "ews", gmail: "gmail" } as const;

/** What the codes among live facts say by themselves (the generic layer of signals.ts). */
function liveSignal(f: FailureFacts): SignalVerdict | undefined {
  const t = f.settings?.type;
  const httpContext = f.stage === "token" ? "oauth" : t === "exchange" || t === "gmail" ? HTTP_CONTEXT[t] : f.settings?.auth === "oauth2-microsoft" ? "graph" : undefined;
  return signalVerdict({
    ...(f.enhancedCode ? { enhancedCode: f.enhancedCode } : {}),
    ...(f.replyCode !== undefined ? { replyCode: f.replyCode } : {}),
    ...(f.errno ? { errno: f.errno } : {}),
    ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
    ...(httpContext ? { httpContext } : {}),
  });
}

/** A temporary refusal (4xx, class 4) or a connection problem: trying again later can help. */
function derivedTransient(category: Category, f: FailureFacts): boolean {
  if (f.replyCode !== undefined && f.replyCode >= 400 && f.replyCode < 500) return true;
  if (f.enhancedCode?.startsWith("4.")) return true;
  if (f.httpStatus === 429 || f.httpStatus === 503) return true;
  return category === "server";
}

function finish(v: Verdict, f: FailureFacts): Verdict {
  const s = f.settings ?? {};
  // A temporary refusal is a server problem that passes, whatever it refused.
  if (v.transient && v.category === "rejected" && isTemporaryReply(f)) v.category = "server";
  // Advice about an SMTP host's password logins (not an EWS or API host's).
  if (!v.provider && s.host && (s.type === undefined || s.type === "webmail")) {
    const advice = HOST_ADVICE.find((a) => a.category === v.category && a.host.test(s.host ?? ""));
    if (advice && s.auth !== "oauth2-microsoft") {
      v.provider = advice.provider;
      v.fix = [...v.fix, advice.fix];
      if (advice.remedy) v.remedy ??= advice.remedy;
    }
  }
  v.provider ??= s.host ? recognizeProvider(s.host) : undefined;
  if (v.provider === undefined) delete v.provider;
  if (!v.remedy) {
    const remedy = defaultRemedy(v, f);
    if (remedy) v.remedy = remedy;
  }
  const product = PRODUCT_MESSAGES[v.category];
  if (product) v.productMessage = product;
  else delete v.productMessage;
  v.check ??= checkFor(v.category, v.provider);
  return v;
}

function isTemporaryReply(f: FailureFacts): boolean {
  return (f.replyCode !== undefined && f.replyCode >= 400 && f.replyCode < 500) || f.enhancedCode?.startsWith("4.") === true;
}

/** The remedy most failures of a category share, when the row named none. */
function defaultRemedy(v: Verdict, f: FailureFacts): Remedy | undefined {
  const s = f.settings ?? {};
  if (v.category === "oauth") {
    if (v.provider === "Gmail" || s.type === "gmail" || f.signIn === "Google") return { reconnect: "gmail" };
    if (v.provider === "Microsoft 365" || v.provider === "Microsoft Graph" || s.auth === "oauth2-microsoft" || f.signIn === "Microsoft") return { reconnect: "microsoft" };
    return undefined;
  }
  // A refused login (live at the auth stage, or pasted text that says no more).
  if (v.category === "auth" && s.auth !== "oauth2-microsoft" && (f.stage === "auth" || f.stage === undefined)) {
    // A login name that is not the address: many servers want the whole address.
    if (s.username && s.email && s.username !== s.email) return { username: s.email, password: "retype" };
    return { password: "retype" };
  }
  return undefined;
}

function fillRemedy(r: Remedy, values: Record<string, string>): Remedy {
  const out: Remedy = { ...r };
  for (const k of ["username", "servername", "host"] as const) {
    const x = out[k];
    if (typeof x === "string") out[k] = fillPlaceholders(x, values);
  }
  return out;
}
