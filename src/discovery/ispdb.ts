import table from "./ispdb/ispdb.generated.json" with { type: "json" };
import type { AuthMethod, OutgoingServer, SocketType, UsernameForm } from "./config-xml.js";

/**
 * Thunderbird's ISP database, vendored as one table (scripts/gen-ispdb.mjs; MPL-2.0,
 * see ispdb/LICENSE and ispdb/SOURCE-COMMIT): a domain's provider and its outgoing
 * servers, placeholders already checked.
 */
interface Table {
  providers: Array<{ id: string; name: string; smtp: Array<[string, number, string, string, string]> }>;
  domains: Record<string, number>;
}

const ISPDB = table as unknown as Table;

export function ispdbLookup(domain: string): { name: string; servers: OutgoingServer[] } | undefined {
  const index = ISPDB.domains[domain];
  const p = index === undefined ? undefined : ISPDB.providers[index];
  if (!p) return undefined;
  return {
    name: p.name,
    servers: p.smtp.map(([hostname, port, socketType, username, auth]) => ({
      hostname,
      port,
      socketType: socketType as SocketType,
      username: username as UsernameForm,
      auth: auth.split("+") as AuthMethod[],
    })),
  };
}
