import dns from "node:dns";
import type { SecureContext } from "node:tls";
import type { Security } from "../config/types.js";
import { isGmailHost, isMicrosoftHost } from "../providers/presets.js";
import { parseClientConfig, type OutgoingServer, type SocketType } from "./config-xml.js";
import { httpGet } from "./http-get.js";
import { ispdbLookup } from "./ispdb.js";
import { GMAIL_API_ROUTE, providerByDomain, providerByMxDomain, type KnownProvider } from "./providers.js";
import { ipVersion } from "../util/ip.js";
import type { Discovered, Discovery, Lookup, Source } from "./types.js";

export interface DiscoverOptions {
  /** The whole discovery answers within this time. */
  timeoutMs: number;
  /** DNS servers ("127.0.0.1:5353") instead of the system resolver. */
  dnsServers?: string[];
  /** Ports instead of 443 / 80 for autoconfig (test rigs, loopback only). */
  ports?: { https?: number; http?: number };
  secureContext?: SecureContext;
  /** Where the Microsoft tenant look-up goes (https://login.microsoftonline.com, or a test rig's origin). */
  microsoftOrigin: string;
}

/** What one look-up found: settings, and the provider's name when it knows one. */
interface Found {
  candidates: Discovered[];
  provider?: string;
}

interface Job {
  source: Source;
  target: string;
  run: (signal: AbortSignal) => Promise<Found>;
}

const SECURITY: Record<SocketType, Security> = { SSL: "tls", STARTTLS: "starttls", plain: "none" };

export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf("@");
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase().replace(/\.$/, "") };
}

/** A known provider's routes for the address, OAuth first where there is one. */
export function fromProvider(p: KnownProvider, address: string, source: Source): Found {
  return { provider: p.name, candidates: p.routes.map((r) => ({ ...r, username: address, source, trusted: true })) };
}

/**
 * An autoconfig / ISPDB server as candidates: the password route, and before it the
 * OAuth route the product has for Microsoft 365 and Google hosts when the server offers
 * OAuth2. OAuth2 on any other server is left out: mailcfg has no generic OAuth client.
 */
export function fromServers(servers: OutgoingServer[], address: string, source: Source, trusted: boolean): Discovered[] {
  const { local, domain } = splitAddress(address);
  const out: Discovered[] = [];
  // Encrypted servers first, in the document's order; plain last.
  const ordered = [...servers.filter((s) => s.socketType !== "plain"), ...servers.filter((s) => s.socketType === "plain")];
  for (const s of ordered) {
    const host = s.hostname.replace(/%EMAILDOMAIN%/g, domain);
    const base = { type: "webmail" as const, host, port: s.port, security: SECURITY[s.socketType], username: s.username === "address" ? address : local, source, trusted };
    if (s.auth.includes("oauth2") && isMicrosoftHost(host)) out.push({ ...base, auth: "oauth2-microsoft" });
    if (s.auth.includes("oauth2") && isGmailHost(host)) out.push({ ...GMAIL_API_ROUTE, username: address, source, trusted });
    if (s.auth.includes("password")) out.push({ ...base, auth: "password" });
  }
  return out;
}

/** The domains an MX host may name its provider by: the host minus its first label, then its base domain. */
export function mxDomains(host: string): string[] {
  const labels = host.toLowerCase().replace(/\.$/, "").split(".");
  const parent = labels.slice(1).join(".");
  // A base domain is the last two labels, or three under a short second-level one (co.uk, com.au).
  const tail = labels.slice(-2);
  const base = labels.length > 2 && tail[0] && tail[0].length <= 3 && (tail[1]?.length ?? 0) === 2 ? labels.slice(-3).join(".") : tail.join(".");
  return [...new Set([parent, base].filter((d) => d.includes(".")))];
}

function resolver(servers: string[] | undefined, timeoutMs: number): dns.promises.Resolver {
  const r = new dns.promises.Resolver({ timeout: Math.max(200, Math.min(timeoutMs, 5000)), tries: 1 });
  if (servers && servers.length > 0) r.setServers(servers);
  return r;
}

/** Rejects when the signal aborts; the DNS query itself is cancelled by the caller. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Finds the outgoing-mail settings for an address. Presets and the ISP database answer
 * from this machine; only when they do not know the domain are the network look-ups
 * started, all at once: the domain's autoconfig (https, then plain http as the last
 * resort), its MX and SRV records, and the Microsoft tenant probe. The highest-priority
 * look-up that finds something wins, as soon as every look-up above it has finished; at
 * the time limit the rest are abandoned. No look-up ever carries a password.
 */
export async function discover(address: string, o: DiscoverOptions): Promise<Discovery> {
  const { domain } = splitAddress(address);
  const lookups: Lookup[] = [];
  const local = localLookups(address, domain, lookups);
  if (local) return finish(address, [local], lookups);

  const dnsResolver = resolver(o.dnsServers, o.timeoutMs);
  const resolve = async (host: string): Promise<string[]> => {
    if (ipVersion(host) !== 0) return [host];
    if (!o.dnsServers) return (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    const settle = (p: Promise<string[]>) => p.catch(() => [] as string[]);
    const [v4, v6] = await Promise.all([settle(dnsResolver.resolve4(host)), settle(dnsResolver.resolve6(host))]);
    return [...v4, ...v6];
  };
  const autoconfig = (source: Source, url: string, trusted: boolean): Job => ({
    source,
    target: url,
    run: async (signal) => {
      const got = await httpGet(url, { signal, resolve, ...(o.ports ? { ports: o.ports } : {}), ...(o.secureContext ? { secureContext: o.secureContext } : {}) });
      if (got.status !== 200) throw new Error(`HTTP ${got.status}`);
      const config = parseClientConfig(got.body);
      if (!config) throw new Error("not an autoconfig document (clientConfig)");
      const candidates = fromServers(config.outgoing, address, source, trusted && !got.plainHttp);
      if (candidates.length === 0) throw new Error(config.skipped.length ? `no usable outgoing server (${config.skipped.join("; ")})` : "no outgoing server");
      return { candidates, ...(config.displayName ? { provider: config.displayName } : {}) };
    },
  });

  const jobs: Job[] = [
    autoconfig("autoconfig-https", `https://autoconfig.${domain}/mail/config-v1.1.xml`, true),
    autoconfig("autoconfig-https", `https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`, true),
    {
      source: "mx",
      target: domain,
      run: async (signal) => {
        const records = await abortable(dnsResolver.resolveMx(domain), signal);
        const best = [...records].sort((a, b) => a.priority - b.priority)[0];
        if (!best?.exchange) throw new Error("no MX record");
        for (const d of mxDomains(best.exchange)) {
          const known = providerByMxDomain(d);
          if (known) return fromProvider(known, address, "mx");
          const isp = ispdbLookup(d);
          if (isp) return { provider: isp.name, candidates: fromServers(isp.servers, address, "mx", true) };
        }
        // The MX host's own domain may publish an autoconfig file (hosting providers do).
        const base = mxDomains(best.exchange).at(-1);
        if (base && base !== domain) {
          const got = await httpGet(`https://autoconfig.${base}/mail/config-v1.1.xml`, { signal, resolve, ...(o.ports ? { ports: o.ports } : {}), ...(o.secureContext ? { secureContext: o.secureContext } : {}) }).catch(() => undefined);
          const config = got?.status === 200 ? parseClientConfig(got.body) : undefined;
          const candidates = got && config ? fromServers(config.outgoing, address, "mx", !got.plainHttp) : [];
          if (candidates.length > 0) return { candidates, ...(config?.displayName ? { provider: config.displayName } : {}) };
        }
        throw new Error(`MX ${best.exchange}: not a provider mailcfg knows`);
      },
    },
    srvJob(`_submissions._tcp.${domain}`, true),
    srvJob(`_submission._tcp.${domain}`, false),
    {
      source: "microsoft-tenant",
      target: `${o.microsoftOrigin}/${domain}/v2.0/.well-known/openid-configuration`,
      run: async (signal) => {
        const got = await httpGet(`${o.microsoftOrigin}/${encodeURIComponent(domain)}/v2.0/.well-known/openid-configuration`, { signal, resolve, ...(o.secureContext ? { secureContext: o.secureContext } : {}) });
        if (got.status !== 200) throw new Error(`HTTP ${got.status}: not a Microsoft 365 (Entra) domain`);
        let issuer: unknown;
        try {
          issuer = (JSON.parse(got.body) as { issuer?: unknown }).issuer;
        } catch {
          throw new Error("the answer is not JSON");
        }
        if (typeof issuer !== "string") throw new Error("no issuer in the answer");
        const m365 = providerByDomain("onmicrosoft.com");
        if (!m365) throw new Error("internal: no Microsoft 365 row");
        return fromProvider(m365, address, "microsoft-tenant");
      },
    },
    autoconfig("autoconfig-http", `http://autoconfig.${domain}/mail/config-v1.1.xml`, false),
    autoconfig("autoconfig-http", `http://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`, false),
  ];

  function srvJob(name: string, implicitTls: boolean): Job {
    return {
      source: "srv",
      target: name,
      run: async (signal) => {
        const records = await abortable(dnsResolver.resolveSrv(name), signal);
        // RFC 6186: lowest priority first, then highest weight; a target of "." means "not offered".
        const best = records.filter((r) => r.name && r.name !== ".").sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
        if (!best) throw new Error(records.length ? "the service is not offered (target \".\")" : "no SRV record");
        const host = best.name.toLowerCase().replace(/\.$/, "");
        // A host outside the address's domain is a hint, not proof: the user confirms it.
        const inDomain = host === domain || host.endsWith(`.${domain}`);
        return {
          candidates: [{ type: "webmail", host, port: best.port, security: implicitTls ? "tls" : "starttls", username: address, auth: "password", source: "srv", trusted: inDomain }],
        };
      },
    };
  }

  const results = await runJobs(jobs, o.timeoutMs, lookups, () => dnsResolver.cancel());
  return finish(address, results, lookups);
}

/** Presets, then the ISP database: no network. */
function localLookups(address: string, domain: string, lookups: Lookup[]): Found | undefined {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 10) / 10;
  const preset = providerByDomain(domain);
  lookups.push({ source: "preset", target: domain, ok: !!preset, ms: ms(), ...(preset ? {} : { error: "not a built-in provider" }) });
  if (preset) return fromProvider(preset, address, "preset");
  const isp = ispdbLookup(domain);
  const candidates = isp ? fromServers(isp.servers, address, "ispdb", true) : [];
  lookups.push({ source: "ispdb", target: domain, ok: candidates.length > 0, ms: ms(), ...(candidates.length ? {} : { error: "not in the ISP database" }) });
  return isp && candidates.length ? { provider: isp.name, candidates } : undefined;
}

/**
 * Runs the jobs at once. Answers when the best possible result is known (a job found
 * something and every job before it has finished) or at the time limit, whichever
 * comes first; jobs still running then are aborted and recorded as such.
 */
async function runJobs(jobs: Job[], timeoutMs: number, lookups: Lookup[], cancel: () => void): Promise<Array<Found | undefined>> {
  const controller = new AbortController();
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const results: Array<Found | undefined> = jobs.map(() => undefined);
  const done: boolean[] = jobs.map(() => false);
  const entries: Lookup[] = jobs.map((j) => ({ source: j.source, target: j.target, ok: false, ms: 0 }));

  await new Promise<void>((resolveAll) => {
    const decided = () => {
      for (let i = 0; i < jobs.length; i++) {
        if (!done[i]) return false;
        if (results[i]) return true;
      }
      return true;
    };
    const timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs / 1000} s`));
      resolveAll();
    }, timeoutMs);
    const check = () => {
      if (!decided()) return;
      clearTimeout(timer);
      controller.abort(new Error("stopped: a look-up of higher priority answered"));
      resolveAll();
    };
    jobs.forEach((job, i) => {
      job.run(controller.signal).then(
        (found) => {
          if (controller.signal.aborted) return;
          results[i] = found;
          Object.assign(entries[i] ?? {}, { ok: true, ms: ms() });
          done[i] = true;
          check();
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          Object.assign(entries[i] ?? {}, { ok: false, ms: ms(), error: describe(err) });
          done[i] = true;
          check();
        },
      );
    });
  });
  cancel();
  jobs.forEach((_, i) => {
    const entry = entries[i];
    if (!done[i] && entry) Object.assign(entry, { ms: ms(), error: describe(controller.signal.reason) });
  });
  lookups.push(...entries);
  return results;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === "ENOTFOUND" || e?.code === "ENODATA") return e.message?.includes("not on this machine") ? e.message : `no such name or record (${e.code})`;
  if (e?.code === "ECONNREFUSED") return "connection refused";
  if (e?.code && /CERT|SELF_SIGNED|UNABLE_TO/.test(e.code)) return `certificate not trusted (${e.code})`;
  return e?.message ?? String(err);
}

function finish(address: string, found: Array<Found | undefined>, lookups: Lookup[]): Discovery {
  const seen = new Set<string>();
  const candidates: Discovered[] = [];
  // The look-ups are listed in priority order, so the first that found something won.
  const ordered = found.filter((f): f is Found => !!f && f.candidates.length > 0);
  for (const f of ordered) {
    for (const c of f.candidates) {
      const key = `${c.type} ${c.host} ${c.port} ${c.security} ${c.auth} ${c.username}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Always the same key order, as --json documents it.
      candidates.push({ type: c.type, host: c.host, port: c.port, security: c.security, username: c.username, auth: c.auth, source: c.source, trusted: c.trusted });
    }
  }
  // The provider is named by the look-up that won, not by a later one.
  return { address, settings: candidates[0] ?? null, candidates, provider: ordered[0]?.provider ?? null, lookups };
}
