import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";

/**
 * The CA list for a connection given extra CAs (--ca). An explicit `ca` replaces
 * Node's whole default list, so the system roots and NODE_EXTRA_CA_CERTS are put back;
 * without extra CAs, Node's defaults (which include NODE_EXTRA_CA_CERTS) apply.
 */
export function trustedCas(extra: string[] | undefined, env: NodeJS.ProcessEnv | undefined): string[] | undefined {
  if (!extra || extra.length === 0) return undefined;
  const fromEnv: string[] = [];
  const file = env?.NODE_EXTRA_CA_CERTS;
  if (file) {
    try {
      fromEnv.push(readFileSync(file, "utf8"));
    } catch {
      // Node itself warns about an unreadable NODE_EXTRA_CA_CERTS at start-up.
    }
  }
  return [...rootCertificates, ...fromEnv, ...extra];
}
