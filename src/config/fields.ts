import { isIPv4, isIPv6 } from "node:net";
import { UsageError } from "../errors.js";
import type { Security } from "./types.js";

// A practical RFC 5322 addr-spec: dot-atom local part (or quoted), and a domain of labels.
const LOCAL = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|"(?:[^"\\\r\n]|\\.)+")$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Why an address is not valid, or undefined when it is. */
export function emailProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return "it contains a line break";
  const at = value.lastIndexOf("@");
  if (at <= 0 || at === value.length - 1) return "it needs the form name@company.com";
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64) return "the part before @ is longer than 64 characters";
  if (!LOCAL.test(local)) return "the part before @ has characters an address cannot have";
  if (hostnameProblem(domain) || !domain.includes(".")) return `"${domain}" is not a valid domain`;
  return undefined;
}

export function checkEmail(value: string, field: string): string {
  const v = value.trim();
  const problem = emailProblem(v);
  if (problem) throw new UsageError(`${field}: "${value}" is not a valid email address: ${problem}.`);
  return v;
}

export function hostnameProblem(host: string): string | undefined {
  if (host.length === 0 || host.length > 253) return "empty or too long";
  // Strict dotted quads only: 0177.0.0.1 (octal) and 127.1 (short form) mean different
  // things to different resolvers, so neither is taken as an address or a name.
  if (/^[\d.]+$/.test(host)) return isIPv4(host) ? undefined : "not a valid IPv4 address (four numbers 0-255, no leading zeros)";
  if (host.includes(":")) return isIPv6(host) ? undefined : "not a valid IPv6 address";
  const labels = host.replace(/\.$/, "").split(".");
  if (!labels.every((l) => LABEL.test(l))) return "not a valid host name";
  // A name whose last label is all digits (10.0.0.256, 192.168.1) is a mistyped address.
  if (/^\d+$/.test(labels.at(-1) ?? "")) return "not a valid host name (its last part is a number)";
  return undefined;
}

export function checkHost(value: string, field = "--host"): string {
  const v = value.trim().replace(/^\[(.*)\]$/, "$1");
  if (/^[a-z]+:\/\//i.test(v)) {
    throw new UsageError(`${field}: "${value}" is a URL; give only the server name, e.g. smtp.office365.com.`);
  }
  const problem = hostnameProblem(v);
  if (problem) throw new UsageError(`${field}: "${value}" is ${problem}; give the outgoing mail server, e.g. smtp.office365.com.`);
  return v.toLowerCase();
}

export function checkPort(value: string | number, field = "--port"): number {
  // Decimal digits only: Number() would take 1e3, 0x24b, +587 and "" (as 0).
  const n = typeof value === "number" ? value : /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`${field}: "${value}" is not a port number (1-65535); SMTP submission uses 587, implicit TLS 465.`);
  }
  return n;
}

export function checkSecurity(value: string, field = "--security"): Security {
  if (value === "starttls" || value === "tls" || value === "none") return value;
  if (value === "ssl") return "tls";
  throw new UsageError(`${field}: "${value}" is not one of starttls, tls, none.`, "starttls on port 587, tls on port 465.");
}

/** No CR or LF in anything that becomes a header (no header injection). */
export function checkHeaderValue(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw new UsageError(`${field} contains a line break, which is not allowed in a mail header.`);
  return value;
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function checkUserId(id: string): string {
  if (!USER_ID.test(id)) {
    throw new UsageError(
      `Invalid user id "${id}".`,
      "A user id is 1-64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit.",
    );
  }
  return id;
}
