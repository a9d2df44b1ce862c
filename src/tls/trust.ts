import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";

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

/**
 * A TLS context that trusts what Node trusts by default (system roots and
 * NODE_EXTRA_CA_CERTS) plus the extra CAs. Adding to Node's own store takes about a
 * millisecond; handing it the whole root list as PEM text costs some 50 ms per context.
 */
export function secureContextWith(extra: string[], env: NodeJS.ProcessEnv | undefined): SecureContext {
  const context = createSecureContext();
  const native = (context as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert !== "function") return createSecureContext({ ca: trustedCas(extra, env) });
  for (const bundle of extra) {
    for (const pem of bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) native.addCACert(pem);
  }
  return context;
}
