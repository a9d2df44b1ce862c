/**
 * Checks for the Exchange (EWS) settings: domain, user name, login form and EWS URL.
 * Pure functions (no I/O, no EWS library), so the wizard, validate, status and the
 * error classification can all use them cheaply.
 */
import { MailError, UsageError } from "../errors.js";
import type { ExchangeSettings } from "./types.js";
import { ipVersion } from "../util/ip.js";

/** The product's default Exchange URL (Exchange Online). */
export const DEFAULT_EWS_URL = "https://outlook.office365.com/EWS/Exchange.asmx";
export const EWS_PATH = "/EWS/Exchange.asmx";

/**
 * How the sign-in name is built from domain and user name:
 * "domain" sends `company.com\jdoe` (what the product sends), "upn" sends `jdoe@company.com`.
 */
export type LoginForm = "domain" | "upn";

export interface DomainVerdict {
  /** Why the value is not in the form company.com; undefined when it is. */
  problem?: string;
  /** The corrected value, when it is obvious. */
  suggestion?: string;
  /** The value to save (lower case) when there is no problem. */
  value?: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Judges an Exchange domain against the product's rule: the form company.com. */
export function judgeDomain(raw: string): DomainVerdict {
  const v = raw.trim();
  if (v === "") return { problem: "it is empty" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    const host = hostOfUrl(v);
    return { problem: "it is a URL", ...suggest(host) };
  }
  if (v.includes("\\")) {
    const [left = "", right = ""] = v.split("\\", 2);
    // company.com\jdoe: the domain is there, only the user part is too much.
    if (judgeBare(left).value) return { problem: "it includes a user name after the backslash", ...suggest(left) };
    return {
      problem: `it is a DOMAIN\\user sign-in name; give the domain alone${right ? ` and put "${right}" in the user name` : ""}`,
    };
  }
  if (v.includes("@")) {
    const after = v.slice(v.lastIndexOf("@") + 1);
    return { problem: v.startsWith("@") ? "it starts with @" : "it is an email address, not a domain", ...suggest(after) };
  }
  if (/\s/.test(v)) return { problem: "it contains spaces", ...suggest(v.replace(/\s+/g, "")) };
  if (v.includes("/")) return { problem: "it contains a slash", ...suggest(v.split("/")[0] ?? "") };
  if (/^\.|\.$/.test(v)) return { problem: "it starts or ends with a dot", ...suggest(v.replace(/^\.+|\.+$/g, "")) };
  return judgeBare(v);
}

function judgeBare(v: string): DomainVerdict {
  const lower = v.toLowerCase();
  if (ipVersion(lower)) return { problem: "it is an IP address, not a domain" };
  const labels = lower.split(".");
  if (labels.length < 2) return { problem: "it has no dot: it looks like a short (NetBIOS) domain name" };
  if (!labels.every((l) => LABEL.test(l))) return { problem: "it has characters a domain name cannot have" };
  const tld = labels[labels.length - 1] ?? "";
  if (tld.length < 2 || !/[a-z]/.test(tld)) return { problem: `".${tld}" is not a top-level domain` };
  return { value: lower };
}

function suggest(candidate: string): { suggestion?: string } {
  const ok = judgeBare(candidate.trim()).value;
  return ok ? { suggestion: ok } : {};
}

function hostOfUrl(v: string): string {
  try {
    return new URL(v).hostname;
  } catch {
    return "";
  }
}

/** The domain for a profile, or a `domain` error (exit 2) saying what was typed and what is expected. */
export function checkExchangeDomain(raw: string, field = "--domain"): string {
  const verdict = judgeDomain(raw);
  if (verdict.value) return verdict.value;
  const fix = verdict.suggestion
    ? `Use ${field} ${verdict.suggestion}.`
    : `Give the domain in the form company.com, e.g. ${field} company.com.`;
  throw new MailError("domain", `${field}: "${raw}" is not in the form company.com: ${verdict.problem}.`, { hint: fix });
}

/** The user name alone (jdoe) or a UPN (jdoe@company.com); never DOMAIN\user. */
export function checkExchangeUsername(raw: string, field = "--username"): string {
  const v = raw.trim();
  if (v === "") throw new UsageError(`${field} is empty; give the Exchange user name, e.g. jdoe.`);
  if (v.includes("\\")) {
    const user = v.slice(v.lastIndexOf("\\") + 1);
    throw new UsageError(
      `${field}: "${raw}" includes the domain; give the user name alone.`,
      `Use ${field} ${user || "jdoe"} and put the domain in --domain (form company.com).`,
    );
  }
  if (/[\s"/[\]:;|=,+*?<>]/.test(v)) throw new UsageError(`${field}: "${raw}" has characters a user name cannot have.`);
  return v;
}

export function parseLoginForm(raw: string, field = "--login-form"): LoginForm {
  if (raw === "domain" || raw === "upn") return raw;
  if (raw === "netbios" || raw === "down-level") return "domain";
  throw new UsageError(
    `${field}: "${raw}" is not one of domain, upn.`,
    "domain sends company.com\\jdoe (the product's form); upn sends jdoe@company.com.",
  );
}

/**
 * The login form in effect: a user name containing @ is already a UPN and is sent as
 * typed; otherwise the saved choice, or the product's DOMAIN\user form.
 */
export function loginFormOf(s: Pick<ExchangeSettings, "username" | "loginForm">): LoginForm {
  if (s.username.includes("@")) return "upn";
  return s.loginForm ?? "domain";
}

/** The sign-in name sent to Exchange (Basic authentication). */
export function exchangeLoginName(s: Pick<ExchangeSettings, "username" | "domain" | "loginForm">): string {
  if (s.username.includes("@")) return s.username;
  return loginFormOf(s) === "upn" ? `${s.username}@${s.domain}` : `${s.domain}\\${s.username}`;
}

/** Words for the login form, for summaries. */
export function loginFormWords(s: Pick<ExchangeSettings, "username" | "domain" | "loginForm">): string {
  return loginFormOf(s) === "upn" ? "user principal name (UPN)" : "DOMAIN\\user form";
}

export interface EwsUrlVerdict {
  url: string;
  warnings: string[];
}

/**
 * The EWS URL: https required (plain http only to this computer, for test rigs); no
 * credentials inside it. A path other than /EWS/Exchange.asmx is unusual but possible
 * (a reverse proxy), so it is a warning, not a refusal.
 */
export function checkEwsUrl(raw: string, field = "--ews-url"): EwsUrlVerdict {
  const v = raw.trim();
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    const looksLikeHost = /^[a-z0-9.-]+(:\d+)?(\/.*)?$/i.test(v) && v.includes(".");
    throw new UsageError(
      `${field}: "${raw}" is not a URL.`,
      looksLikeHost
        ? `Give the whole address, e.g. https://${v.split("/")[0]}${EWS_PATH}`
        : `Give the EWS address, e.g. https://mail.company.com${EWS_PATH}`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError(`${field}: the URL contains a user name or password; give those with --username and the password options instead.`);
  }
  if (url.protocol === "http:") {
    if (!isLoopbackHost(url.hostname)) {
      url.protocol = "https:";
      throw new UsageError(
        `${field}: "${raw}" uses plain http; the password would cross the network unencrypted.`,
        `Use https, e.g. ${url.toString()}`,
      );
    }
  } else if (url.protocol !== "https:") {
    throw new UsageError(`${field}: "${raw}" is not an http(s) URL; EWS is reached over https.`);
  }
  const warnings: string[] = [];
  if (!url.pathname.toLowerCase().endsWith(EWS_PATH.toLowerCase())) {
    warnings.push(
      `The EWS URL ${url.toString()} does not end in ${EWS_PATH}; Exchange serves EWS there (e.g. https://${url.host}${EWS_PATH}).`,
    );
  }
  return { url: url.toString(), warnings };
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http is allowed to. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  // localhost itself only: *.localhost is a name like any other to a resolver that does not special-case it.
  if (h === "localhost") return true;
  if (ipVersion(h) === 4) return h.startsWith("127.");
  if (ipVersion(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1";
  return false;
}

/** Host names of Exchange Online (Microsoft 365), worldwide and national clouds. */
const EXCHANGE_ONLINE_HOSTS = new Set([
  "outlook.office365.com",
  "outlook.office.com",
  "outlook.live.com",
  "outlook.office365.us", // GCC High
  "outlook-dod.office365.us", // DoD
  "webmail.apps.mil",
  "partner.outlook.cn", // operated by 21Vianet
]);

/** Whether a host is Exchange Online, where EWS no longer accepts passwords. */
export function isExchangeOnlineHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  if (EXCHANGE_ONLINE_HOSTS.has(h)) return true;
  // Older per-datacentre names such as pod51045.outlook.com and *.outlook.office365.com.
  return h.endsWith(".outlook.com") || h.endsWith(".office365.com");
}

export function isExchangeOnlineUrl(url: string): boolean {
  try {
    return isExchangeOnlineHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Why a password over EWS to Exchange Online fails: the facts, said the same way everywhere. */
export const EXCHANGE_ONLINE_EWS_FACTS =
  "Microsoft turned off password (Basic) sign-in for EWS in Exchange Online in October 2022 and is switching EWS off " +
  "tenant by tenant from 2026-10-01, for good on 2027-04-01";

/** Printed before trying an Exchange Online URL: what will happen, and what works instead. */
export function exchangeOnlineWarning(host: string): string {
  return (
    `${host} is Exchange Online. ${EXCHANGE_ONLINE_EWS_FACTS}, so a domain, user name and password are expected to ` +
    "fail here with HTTP 401 however they are typed. Use the Webmail type (SMTP: --type webmail --preset microsoft) " +
    "instead; an on-premises Exchange Server keeps EWS with a password."
  );
}
