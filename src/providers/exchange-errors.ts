/**
 * The facts of a failed EWS exchange (what ews-client.ts recorded: HTTP status, SOAP
 * ResponseCode, socket/TLS code) with the settings used (Exchange Online or not, the
 * sign-in name and its form), for the failure model to decide. Pure: no network.
 */
import type { ExchangeSettings } from "../config/types.js";
import type { MailError } from "../errors.js";
import { redact } from "../diagnosis/redact.js";
import { classify } from "../failures/classify.js";
import { failureError } from "../failures/error.js";
import type { FailureFacts } from "../failures/facts.js";
import { exchangeLoginName, isExchangeOnlineUrl, loginFormOf } from "../config/exchange-fields.js";
import type { EwsFailureFacts } from "./ews-facts.js";

type Settings = Pick<ExchangeSettings, "ewsUrl" | "email" | "domain" | "username" | "loginForm">;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The failure model's facts for a failed EWS call. */
export function ewsFacts(f: EwsFailureFacts, s: Settings, from: string = s.email): FailureFacts {
  const facts: FailureFacts = {
    stage: f.responseCode ? "api" : "http",
    settings: {
      type: "exchange",
      host: hostOf(s.ewsUrl),
      url: s.ewsUrl,
      email: from,
      username: s.username,
      login: exchangeLoginName(s),
      loginForm: loginFormOf(s),
      exchangeOnline: isExchangeOnlineUrl(s.ewsUrl),
    },
  };
  if (f.httpStatus) facts.httpStatus = f.httpStatus;
  if (f.responseCode) facts.responseCode = f.responseCode;
  if (f.networkCode) facts.errno = f.networkCode;
  if (f.wwwAuthenticate) {
    facts.wwwAuthenticate = f.wwwAuthenticate;
    facts.basicOffered = /\bBasic\b/i.test(f.wwwAuthenticate);
  }
  if (f.messageText) facts.serverText = f.messageText;
  return facts;
}

/** The classified error for a failed EWS exchange. Evidence shows the HTTP status, ResponseCode and MessageText. */
export function classifyEwsFailure(f: EwsFailureFacts, s: Settings, password?: string, from: string = s.email): MailError {
  const facts = ewsFacts(f, s, from);
  const evidence = redact(evidenceOf(f, s), [password]);
  const v = classify({ facts, text: [f.networkCode, f.responseCode, f.messageText, f.message].filter(Boolean).join("\n") });
  v.provider = isExchangeOnlineUrl(s.ewsUrl) ? "Exchange Online" : "Exchange";
  v.code = f.responseCode ?? (f.httpStatus ? `HTTP ${f.httpStatus}` : (f.networkCode ?? "EWS"));
  if (v.category === "unknown" && !v.rowId) v.fix = ["Check the EWS URL.", "Run again with --json to see the evidence."];
  return failureError(v, `${hostOf(s.ewsUrl)}: ${v.cause}`, { evidence, facts, cause: f });
}

function evidenceOf(f: EwsFailureFacts, s: Settings): string {
  const parts = [`at ${f.operation}`, `${s.ewsUrl} as ${exchangeLoginName(s)}`];
  if (f.httpStatus) parts.push(`HTTP ${f.httpStatus}${f.statusText ? ` ${f.statusText}` : ""}`);
  if (f.responseCode) parts.push(`ResponseCode ${f.responseCode}`);
  if (f.messageText) parts.push(`MessageText "${f.messageText}"`);
  if (f.wwwAuthenticate) parts.push(`WWW-Authenticate: ${f.wwwAuthenticate}`);
  if (f.diagnostics) parts.push(`x-ms-diagnostics: ${f.diagnostics}`);
  if (f.networkCode) parts.push(f.networkCode);
  if (f.message && !f.messageText) parts.push(f.message);
  return parts.join(": ");
}
