import type { Remedy } from "./facts.js";

/** A remedy in words, e.g. "security: implicit TLS; port: 465". */
export function describeRemedy(r: Remedy): string {
  const parts: string[] = [];
  if (r.host) parts.push(`host: ${r.host}`);
  if (r.port !== undefined) parts.push(`port: ${r.port}`);
  if (r.security) parts.push(`security: ${SECURITY_WORDS[r.security]}`);
  if (r.ca) parts.push("give the CA certificate file (--ca <file>)");
  if (r.servername) parts.push(`check the certificate against ${r.servername}`);
  if (r.username) parts.push(`login name: ${r.username}`);
  if (r.reconnect) parts.push(`connect with ${r.reconnect === "gmail" ? "Google" : "Microsoft"} (OAuth)`);
  if (r.password) parts.push("type the password again");
  return parts.join("; ");
}

/** A remedy that is a command to run (a setting to change, a connection to make), not only "type the password again". */
export function isActionable(r: Remedy | undefined): r is Remedy {
  return r !== undefined && Object.keys(r).some((k) => k !== "password");
}

export const SECURITY_WORDS = { starttls: "STARTTLS", tls: "implicit TLS", none: "no encryption" } as const;
