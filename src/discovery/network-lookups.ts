import dns from "node:dns";
import { ipVersion } from "../util/ip.js";
import { fromProvider, fromServers, mxDomains, type Found } from "./candidates.js";
import { parseClientConfig } from "./config-xml.js";
import { httpGet, type GetOptions } from "./http-get.js";
import { ispdbLookup } from "./ispdb.js";
import { providerByDomain, providerByMxDomain } from "./providers.js";
import type { DiscoverOptions, Source } from "./types.js";

/** One network look-up: where it goes, and how it runs (it stops when the signal aborts). */
export interface Job {
  source: Source;
  target: string;
  run: (signal: AbortSignal) => Promise<Found>;
}

/** What the network look-ups of one discovery share: the address, the options, one resolver. */
export interface LookupContext {
  address: string;
  domain: string;
  o: DiscoverOptions;
  dns: dns.promises.Resolver;
  /** A name to addresses: the system's look-up, or the given DNS servers. */
  resolve: (host: string) => Promise<string[]>;
}

export function lookupContext(address: string, domain: string, o: DiscoverOptions): LookupContext {
  const r = new dns.promises.Resolver({ timeout: Math.max(200, Math.min(o.timeoutMs, 5000)), tries: 1 });
  if (o.dnsServers && o.dnsServers.length > 0) r.setServers(o.dnsServers);
  const resolve = async (host: string): Promise<string[]> => {
    if (ipVersion(host) !== 0) return [host];
    if (!o.dnsServers) return (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    const settle = (p: Promise<string[]>) => p.catch(() => [] as string[]);
    const [v4, v6] = await Promise.all([settle(r.resolve4(host)), settle(r.resolve6(host))]);
    return [...v4, ...v6];
  };
  return { address, domain, o, dns: r, resolve };
}

/** The network look-ups in priority order: the first that finds something wins. */
export function networkJobs(cx: LookupContext): Job[] {
  const { domain } = cx;
  return [
    autoconfigJob(cx, "autoconfig-https", `https://autoconfig.${domain}/mail/config-v1.1.xml`, true),
    autoconfigJob(cx, "autoconfig-https", `https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`, true),
    mxJob(cx),
    srvJob(cx, `_submissions._tcp.${domain}`, true),
    srvJob(cx, `_submission._tcp.${domain}`, false),
    tenantJob(cx),
    // Plain http last: what comes back may have been changed on the way.
    autoconfigJob(cx, "autoconfig-http", `http://autoconfig.${domain}/mail/config-v1.1.xml`, false),
    autoconfigJob(cx, "autoconfig-http", `http://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`, false),
  ];
}

/** httpGet's options for an autoconfig document: the discovery's resolver, and the test rig's ports and CAs. */
function getOptions(cx: LookupContext, signal: AbortSignal): GetOptions {
  return { signal, resolve: cx.resolve, ...(cx.o.ports ? { ports: cx.o.ports } : {}), ...(cx.o.secureContext ? { secureContext: cx.o.secureContext } : {}) };
}

function autoconfigJob(cx: LookupContext, source: Source, url: string, trusted: boolean): Job {
  return {
    source,
    target: url,
    run: async (signal) => {
      const got = await httpGet(url, getOptions(cx, signal));
      if (got.status !== 200) throw new Error(`HTTP ${got.status}`);
      const config = parseClientConfig(got.body);
      if (!config) throw new Error("not an autoconfig document (clientConfig)");
      const candidates = fromServers(config.outgoing, cx.address, source, trusted && !got.plainHttp);
      if (candidates.length === 0) throw new Error(config.skipped.length ? `no usable outgoing server (${config.skipped.join("; ")})` : "no outgoing server");
      return { candidates, ...(config.displayName ? { provider: config.displayName } : {}) };
    },
  };
}

/** The best MX host names the provider: a known one, one in the ISP database, or its own autoconfig. */
function mxJob(cx: LookupContext): Job {
  const { address, domain } = cx;
  return {
    source: "mx",
    target: domain,
    run: async (signal) => {
      const records = await abortable(cx.dns.resolveMx(domain), signal);
      const best = [...records].sort((a, b) => a.priority - b.priority)[0];
      if (!best?.exchange) throw new Error("no MX record");
      for (const d of mxDomains(best.exchange)) {
        const known = providerByMxDomain(d);
        if (known) return fromProvider(known, address, "mx");
        const isp = ispdbLookup(d);
        if (isp) return { provider: isp.name, candidates: fromServers(isp.servers, address, "mx", true) };
      }
      const base = mxDomains(best.exchange).at(-1);
      const hosted = base && base !== domain ? await mxHostAutoconfig(cx, base, signal) : undefined;
      if (hosted) return hosted;
      throw new Error(`MX ${best.exchange}: not a provider mailcfg knows`);
    },
  };
}

/** The MX host's own domain may publish an autoconfig file (hosting providers do). */
async function mxHostAutoconfig(cx: LookupContext, base: string, signal: AbortSignal): Promise<Found | undefined> {
  const got = await httpGet(`https://autoconfig.${base}/mail/config-v1.1.xml`, getOptions(cx, signal)).catch(() => undefined);
  const config = got?.status === 200 ? parseClientConfig(got.body) : undefined;
  const candidates = got && config ? fromServers(config.outgoing, cx.address, "mx", !got.plainHttp) : [];
  return candidates.length > 0 ? { candidates, ...(config?.displayName ? { provider: config.displayName } : {}) } : undefined;
}

function srvJob(cx: LookupContext, name: string, implicitTls: boolean): Job {
  const { address, domain } = cx;
  return {
    source: "srv",
    target: name,
    run: async (signal) => {
      const records = await abortable(cx.dns.resolveSrv(name), signal);
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

/** Microsoft's OpenID document for the domain exists only for a Microsoft 365 (Entra) tenant. */
function tenantJob(cx: LookupContext): Job {
  const { o, domain } = cx;
  return {
    source: "microsoft-tenant",
    target: `${o.microsoftOrigin}/${domain}/v2.0/.well-known/openid-configuration`,
    run: async (signal) => {
      // The origin is given whole (a test rig's names its port): the autoconfig ports are not used for it.
      const got = await httpGet(`${o.microsoftOrigin}/${encodeURIComponent(domain)}/v2.0/.well-known/openid-configuration`, { signal, resolve: cx.resolve, ...(o.secureContext ? { secureContext: o.secureContext } : {}) });
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
      return fromProvider(m365, cx.address, "microsoft-tenant");
    },
  };
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
