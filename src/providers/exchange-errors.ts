/**
 * Turns a failed EWS exchange (the facts ews-client.ts recorded) into a classified
 * MailError: HTTP status, SOAP ResponseCode and socket/TLS codes, read with what the
 * settings tell (Exchange Online or not, the login form). Pure: no network, no library.
 */
import type { ExchangeSettings } from "../config/types.js";
import type { Category } from "../errors.js";
import { MailError } from "../errors.js";
import { classifyText } from "../diagnosis/classify.js";
import { PRODUCT_MESSAGES } from "../diagnosis/product-messages.js";
import { redact } from "../diagnosis/redact.js";
import { EXCHANGE_ONLINE_EWS_FACTS, exchangeLoginName, isExchangeOnlineUrl, loginFormOf } from "../config/exchange-fields.js";
import type { EwsFailureFacts } from "./ews-client.js";

interface Verdict {
  category: Category;
  cause: string;
  fix: string[];
}

type Settings = Pick<ExchangeSettings, "ewsUrl" | "email" | "domain" | "username" | "loginForm">;

/** SOAP ResponseCodes with their own plain-language cause. Anything else with a code is a refusal. */
const RESPONSE_CODES: Record<string, (s: Settings, from: string) => Verdict> = {
  ErrorSendAsDenied: (s, from) => ({
    category: "rejected",
    cause: `Exchange refused to send as ${from}: the account ${exchangeLoginName(s)} has no right to send as that address.`,
    fix: [
      `Use the account's own address as the Email address, or sign in as the mailbox of ${from}.`,
      `Or an Exchange administrator grants ${exchangeLoginName(s)} the Send As right on ${from} (on-premises: Add-ADPermission ... -ExtendedRights "Send As").`,
    ],
  }),
  ErrorNonExistentMailbox: (s, from) => ({
    category: "rejected",
    cause: `Exchange has no mailbox for ${from} (or for the account ${exchangeLoginName(s)}): the Email address is mistyped, or the account has no mailbox on this server.`,
    fix: ["Check the Email address against the mailbox's primary SMTP address.", "Check that the account has a mailbox on this Exchange server."],
  }),
  ErrorAccessDenied: (s) => ({
    category: "auth",
    cause: `The password was accepted, but Exchange denied the account ${exchangeLoginName(s)} access: it may not use this mailbox, or an administrator has blocked EWS for it.`,
    fix: [
      "Sign in with the account that owns the mailbox.",
      "Ask the Exchange administrator whether EWS is allowed for the account (Get-CASMailbox <user> | Format-List EwsEnabled, EwsAllow*).",
    ],
  }),
  ErrorInvalidUserPrincipalName: (s) => ({
    category: "auth",
    cause: `Exchange could not match the sign-in name ${exchangeLoginName(s)} (${loginFormOf(s) === "upn" ? "a UPN" : "DOMAIN\\user form"}) to an account.`,
    fix: [
      loginFormOf(s) === "upn"
        ? "Try the DOMAIN\\user form (--login-form domain), or check the account's user principal name."
        : "Try the UPN form (--login-form upn, jdoe@company.com), or check the domain and user name.",
    ],
  }),
  ErrorAccountDisabled: (s) => ({
    category: "auth",
    cause: `The account ${exchangeLoginName(s)} is disabled.`,
    fix: ["Ask the administrator to enable the account, or use another one."],
  }),
  ErrorPasswordExpired: (s) => ({
    category: "auth",
    cause: `The password of ${exchangeLoginName(s)} has expired.`,
    fix: ["Change the password (e.g. in Outlook on the web), then run setup again with the new one."],
  }),
  ErrorQuotaExceeded: () => ({
    category: "rejected",
    cause: "The mailbox is full: Exchange cannot save the message (the copy in Sent Items counts too).",
    fix: ["Free space in the mailbox or ask for a larger quota."],
  }),
  ErrorMessageSizeExceeded: () => ({
    category: "rejected",
    cause: "The message is larger than Exchange accepts.",
    fix: ["Send smaller or fewer attachments."],
  }),
  ErrorInvalidRecipients: () => ({
    category: "rejected",
    cause: "Exchange refused a recipient address.",
    fix: ["Check the recipient addresses."],
  }),
  ErrorServerBusy: () => ({
    category: "server",
    cause: "Exchange is busy and throttled the request.",
    fix: ["Try again in a few minutes."],
  }),
  ErrorMailboxStoreUnavailable: () => ({
    category: "server",
    cause: "The mailbox database is not available on the Exchange server.",
    fix: ["Try again later; if it persists, the Exchange administrator checks the mailbox database."],
  }),
  ErrorInternalServerError: () => ({
    category: "server",
    cause: "Exchange failed with an internal error.",
    fix: ["Try again later; if it persists, the Exchange administrator checks the server's event log."],
  }),
  ErrorInternalServerTransientError: () => ({
    category: "server",
    cause: "Exchange had a temporary internal error.",
    fix: ["Try again in a few minutes."],
  }),
  ErrorSchemaValidation: () => ({
    category: "unknown",
    cause: "Exchange could not read the request mailcfg sent (schema validation failed).",
    fix: ["This is a bug in mailcfg; report it with the evidence below."],
  }),
};

/** Socket, DNS and TLS codes, in words about the EWS URL rather than an SMTP port. */
function networkVerdict(code: string, host: string): Verdict | undefined {
  switch (code) {
    case "ECONNREFUSED":
      return { category: "server", cause: `Nothing accepts connections at ${host}.`, fix: ["Check the host and port in the EWS URL."] };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { category: "server", cause: `The host name ${host} does not resolve in DNS.`, fix: ["Check the spelling of the host in the EWS URL."] };
    case "ETIMEDOUT":
    case "ECONNABORTED":
    case "ESOCKETTIMEDOUT":
      return {
        category: "server",
        cause: `${host} did not answer in time.`,
        fix: ["Check the EWS URL and that a firewall allows https to it.", "A slow server may need a longer --timeout."],
      };
    case "ECONNRESET":
    case "EPIPE":
      return { category: "server", cause: `${host} closed the connection unexpectedly.`, fix: ["Check the EWS URL; try again later if it persists."] };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { category: "server", cause: `${host} cannot be reached from this computer.`, fix: ["Check the network, VPN and firewall."] };
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return {
        category: "ssl",
        cause: `The certificate of ${host} is not signed by a certificate authority this computer trusts.`,
        fix: ["If the Exchange server uses a private CA, trust it: --ca <file> or NODE_EXTRA_CA_CERTS=<file>."],
      };
    case "CERT_HAS_EXPIRED":
      return { category: "ssl", cause: `The certificate of ${host} has expired.`, fix: ["The Exchange administrator renews the certificate."] };
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return {
        category: "ssl",
        cause: `The certificate of ${host} is for another host name.`,
        fix: ["Use the host name the certificate names in the EWS URL (not an alias or IP address)."],
      };
    case "EPROTO":
    case "ERR_SSL_WRONG_VERSION_NUMBER":
      return {
        category: "ssl",
        cause: `The TLS handshake with ${host} failed: the port may not speak https.`,
        fix: ["Check the port in the EWS URL (https is normally 443)."],
      };
    default:
      return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function httpVerdict(f: EwsFailureFacts, s: Settings): Verdict {
  const host = hostOf(s.ewsUrl);
  const status = f.httpStatus ?? 0;
  if (status === 401) {
    if (isExchangeOnlineUrl(s.ewsUrl)) {
      return {
        category: "auth",
        cause: `Exchange Online refused the password sign-in (HTTP 401). This is not a mistyped password: ${EXCHANGE_ONLINE_EWS_FACTS}.`,
        fix: [
          "Set this sender up as Webmail (SMTP) instead: mailcfg setup company|user <id> --type webmail --preset microsoft.",
          "EWS with a password still works against an on-premises Exchange Server.",
        ],
      };
    }
    const offersBasic = f.wwwAuthenticate === undefined || /\bBasic\b/i.test(f.wwwAuthenticate);
    if (!offersBasic) {
      return {
        category: "auth",
        cause: `${host} does not accept Basic sign-in for EWS (it offers ${f.wwwAuthenticate}); mailcfg signs in with Basic over https.`,
        fix: ["Ask the Exchange administrator to enable Basic authentication on the EWS virtual directory (over https only)."],
      };
    }
    return {
      category: "auth",
      cause: `Exchange did not accept the sign-in name ${exchangeLoginName(s)} and the password.`,
      fix: [
        "Re-check the domain, user name and password.",
        loginFormOf(s) === "upn"
          ? "If the server expects DOMAIN\\user, try --login-form domain."
          : "If the server expects a user principal name, try --login-form upn (jdoe@company.com).",
      ],
    };
  }
  if (status === 403) {
    return {
      category: "auth",
      cause: `${host} forbids this request (HTTP 403): EWS may be blocked for the account, or require a client certificate.`,
      fix: ["Ask the Exchange administrator whether EWS is allowed for the account."],
    };
  }
  if (status === 404) {
    return { category: "server", cause: `There is no EWS service at ${s.ewsUrl} (HTTP 404).`, fix: ["Check the EWS URL; it normally ends in /EWS/Exchange.asmx."] };
  }
  if (status >= 300 && status < 400) {
    return {
      category: "server",
      cause: `${s.ewsUrl} ${f.message ?? "redirects elsewhere"} (HTTP ${status}): it is not the EWS endpoint itself.`,
      fix: ["Use the EWS URL itself, e.g. https://mail.company.com/EWS/Exchange.asmx."],
    };
  }
  if (status === 200) {
    return {
      category: "server",
      cause: `${host} answered with something that is not an EWS response (for example the sign-in page of a reverse proxy).`,
      fix: ["Check that the EWS URL points at Exchange itself, e.g. https://mail.company.com/EWS/Exchange.asmx."],
    };
  }
  return {
    category: "server",
    cause: `${host} answered HTTP ${status}${f.statusText ? ` ${f.statusText}` : ""} instead of an EWS response.`,
    fix: ["Check the EWS URL; if it is right, the Exchange server has a problem: try again later."],
  };
}

/** The classified error for a failed EWS exchange. Evidence shows the HTTP status, ResponseCode and MessageText. */
export function classifyEwsFailure(f: EwsFailureFacts, s: Settings, password?: string, from: string = s.email): MailError {
  const host = hostOf(s.ewsUrl);
  let v: Verdict;
  if (f.responseCode) {
    const known = RESPONSE_CODES[f.responseCode];
    v = known
      ? known(s, from)
      : {
          category: "rejected",
          cause: `Exchange refused the request: ${f.responseCode}${f.messageText ? ` (${f.messageText})` : ""}.`,
          fix: ["Read Exchange's message below; it names what was refused."],
        };
  } else if (f.httpStatus) {
    v = httpVerdict(f, s);
  } else {
    const byCode = f.networkCode ? networkVerdict(f.networkCode, host) : undefined;
    if (byCode) v = byCode;
    else {
      const c = classifyText([f.networkCode, f.message].filter(Boolean).join("\n"));
      v = { category: c.category, cause: c.category === "unknown" ? `The EWS call failed: ${f.message ?? "no details"}.` : c.cause, fix: ["Check the EWS URL.", ...(c.category === "unknown" ? ["Run again with --json to see the evidence."] : [])] };
    }
  }
  const evidence = redact(evidenceOf(f, s), [password]);
  const online = isExchangeOnlineUrl(s.ewsUrl);
  const productMessage = PRODUCT_MESSAGES[v.category];
  return new MailError(v.category, `${host}: ${v.cause}`, {
    hint: v.fix.join(" "),
    evidence,
    ...(productMessage ? { productMessage } : {}),
    code: f.responseCode ?? (f.httpStatus ? `HTTP ${f.httpStatus}` : f.networkCode ?? "EWS"),
    provider: online ? "Exchange Online" : "Exchange",
    cause: f,
  });
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
