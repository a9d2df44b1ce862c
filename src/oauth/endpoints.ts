import { UsageError } from "../errors.js";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "::1", "localhost"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * An endpoint URL from an environment variable (for private test rigs), or the default.
 * https everywhere; plain http only on this machine's loopback, where nothing crosses a
 * network, so a mistyped override can never send a token in clear text.
 */
export function endpointFromEnv(env: NodeJS.ProcessEnv, variable: string, fallback: string): string {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${variable}: "${raw}" is not a URL.`, `Give a full address such as ${fallback}, or unset ${variable}.`);
  }
  if (url.protocol === "https:") return url.href;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return url.href;
  if (url.protocol === "http:") {
    throw new UsageError(
      `${variable}: "${raw}" uses plain http on another machine; tokens would cross the network unencrypted.`,
      `Use https, or http only on 127.0.0.1, [::1] or localhost (e.g. a local test server). Or unset ${variable}.`,
    );
  }
  throw new UsageError(`${variable}: "${raw}" must be an https URL (http only on loopback).`, `Or unset ${variable}.`);
}
