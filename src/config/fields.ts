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
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host.split(".").every((p) => Number(p) <= 255) ? undefined : "not a valid IPv4 address";
  if (host.includes(":")) return /^[0-9a-f:]+$/i.test(host) ? undefined : "not a valid IPv6 address";
  return host.split(".").every((l) => LABEL.test(l)) ? undefined : "not a valid host name";
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
  const n = typeof value === "number" ? value : Number(value);
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
