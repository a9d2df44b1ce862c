import { UsageError } from "../errors.js";
import { ipVersion } from "../util/ip.js";

/**
 * The test-rig overrides of discovery (and of diagnose's DNS), read from the
 * environment. Like the MAILCFG_*_URL overrides they only ever point at this machine:
 * a DNS server on a loopback address, and ports used only for loopback addresses.
 */

/** "ip", "ip:port" or "[ipv6]:port", checked; `what` names the flag or variable in the error. */
export function checkDnsServer(value: string, what = "--dns-server"): string {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(value) ?? /^([^:]+)(?::(\d+))?$/.exec(value);
  const host = m?.[1] ?? value;
  if (ipVersion(host) === 0 || (m?.[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
    throw new UsageError(`${what}: "${value}" is not an IP address (with an optional :port), e.g. 1.1.1.1 or 127.0.0.1:5353.`);
  }
  return value;
}

export function isLoopbackAddress(ip: string): boolean {
  return /^127\./.test(ip) || ip === "::1" || /^::ffff:127\./i.test(ip);
}

/** MAILCFG_DNS_SERVERS=ip:port[,ip:port]: loopback DNS servers for a test rig, or undefined. */
export function dnsServersFromEnv(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.MAILCFG_DNS_SERVERS?.trim();
  if (!raw) return undefined;
  return raw.split(",").map((s) => {
    const v = checkDnsServer(s.trim(), "MAILCFG_DNS_SERVERS");
    const host = v.replace(/^\[([^\]]+)\].*$/, "$1").replace(/^([^:[\]]+):\d+$/, "$1");
    if (!isLoopbackAddress(host)) {
      throw new UsageError(`MAILCFG_DNS_SERVERS: "${s}" is not on this machine (127.0.0.1 or ::1).`, "It is for local test rigs only; use --dns-server for another resolver, or unset it.");
    }
    return v;
  });
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new UsageError(`${name}: "${raw}" is not a port number.`, `Or unset ${name}.`);
  return n;
}

/** MAILCFG_DISCOVERY_HTTPS_PORT / _HTTP_PORT: the ports autoconfig look-ups use instead of 443 and 80 (loopback addresses only). */
export function discoveryPortsFromEnv(env: NodeJS.ProcessEnv): { https?: number; http?: number } {
  const https = portFromEnv(env, "MAILCFG_DISCOVERY_HTTPS_PORT");
  const http = portFromEnv(env, "MAILCFG_DISCOVERY_HTTP_PORT");
  return { ...(https ? { https } : {}), ...(http ? { http } : {}) };
}
