/**
 * node:net's isIP without loading node:net (and the stream machinery behind it) on the
 * start-up path: 4 for IPv4, 6 for IPv6, 0 otherwise.
 */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(host)) return 4;
  if (host.includes(":") && /^[0-9a-f:.]+$/i.test(host) && isIpv6(host)) return 6;
  return 0;
}

function isIpv6(host: string): boolean {
  const parts = host.split("::");
  if (parts.length > 2) return false;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(parts[0] ?? "");
  const tail = parts.length === 2 ? groups(parts[1] ?? "") : [];
  const all = [...head, ...tail];
  const last = all.at(-1) ?? "";
  const v4Tail = last.includes(".");
  if (v4Tail && ipVersion(last) !== 4) return false;
  const hexGroups = v4Tail ? all.slice(0, -1) : all;
  if (!hexGroups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return false;
  const count = hexGroups.length + (v4Tail ? 2 : 0);
  return parts.length === 2 ? count < 8 : count === 8;
}
