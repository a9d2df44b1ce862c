import { readFileSync } from "node:fs";
import type { Context } from "../context.js";
import { endpointFromEnv } from "../oauth/endpoints.js";
import { readCaFiles } from "../tls/ca-files.js";
import { secureContextWith } from "../tls/trust.js";
import type { DiscoverOptions } from "./types.js";
import { discoveryPortsFromEnv, dnsServersFromEnv } from "./env.js";

/** The whole look-up is bounded by this many seconds unless --timeout says otherwise. */
export const DEFAULT_DISCOVERY_SECONDS = 5;

/**
 * How discovery runs for this context: the test rig's resolver, ports and Microsoft
 * origin when set, and the CAs of --ca and NODE_EXTRA_CA_CERTS trusted for https.
 */
export function discoveryOptions(ctx: Context, timeoutMs: number, caFiles: string[] | undefined): DiscoverOptions {
  const extra = [...(readCaFiles(caFiles) ?? [])];
  const envCa = ctx.env.NODE_EXTRA_CA_CERTS;
  if (envCa) {
    try {
      extra.push(readFileSync(envCa, "utf8"));
    } catch {
      // Node itself warns about an unreadable NODE_EXTRA_CA_CERTS.
    }
  }
  const dnsServers = dnsServersFromEnv(ctx.env);
  const ports = discoveryPortsFromEnv(ctx.env);
  return {
    timeoutMs,
    microsoftOrigin: new URL(endpointFromEnv(ctx.env, "MAILCFG_MICROSOFT_AUTH_URL", "https://login.microsoftonline.com/")).origin,
    ...(dnsServers ? { dnsServers } : {}),
    ...(ports.https || ports.http ? { ports } : {}),
    ...(extra.length ? { secureContext: secureContextWith(extra, ctx.env) } : {}),
  };
}
