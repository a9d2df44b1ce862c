import dns from "node:dns";
import { isIP } from "node:net";
import { WireError } from "./smtp-wire.js";
import { editDistance } from "../util/edit-distance.js";

/** Hosts that need no DNS query: IP addresses and localhost (tests and sandboxes use these). */
export function needsDns(host: string): boolean {
  return isIP(host) === 0 && !/^localhost\.?$/i.test(host);
}

export interface DnsOptions {
  timeoutMs: number;
  /** Ask these DNS servers ("127.0.0.1:5353") instead of the system resolver. */
  servers?: string[];
}

function resolver(o: DnsOptions): dns.promises.Resolver {
  const r = new dns.promises.Resolver({ timeout: Math.max(500, Math.min(o.timeoutMs, 5000)), tries: 2 });
  if (o.servers && o.servers.length > 0) r.setServers(o.servers);
  return r;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WireError("ETIMEDOUT", `DNS lookup of ${what} timed out after ${ms / 1000}s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The host's addresses (A and AAAA). Through the system resolver (hosts file included,
 * as every mail client does), or through the given DNS servers.
 */
export async function lookupAddresses(host: string, o: DnsOptions): Promise<string[]> {
  if (!o.servers) {
    const found = await withTimeout(dns.promises.lookup(host, { all: true, verbatim: true }), o.timeoutMs, host);
    return found.map((a) => a.address);
  }
  const r = resolver(o);
  const settle = async (p: Promise<string[]>) => {
    try {
      return await p;
    } catch (err) {
      if ((err as { code?: string }).code === "ENODATA") return [];
      throw err;
    }
  };
  const [v4, v6] = await Promise.all([settle(r.resolve4(host)), settle(r.resolve6(host))]);
  const all = [...v4, ...v6];
  if (all.length === 0) throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return all;
}

export interface MailDomainFacts {
  mx: Array<{ exchange: string; priority: number }>;
  submission: Array<{ name: string; port: number; implicitTls: boolean }>;
  /** Who handles the domain's mail, read from the MX hosts, and the submission host that goes with it. */
  provider?: { name: string; submissionHost: string };
}

/** Where the provider's inbound MX points, and the host its users submit mail to. */
const MX_PROVIDERS: ReadonlyArray<readonly [RegExp, string, string]> = [
  [/\.mail\.protection\.outlook\.com\.?$/i, "Microsoft 365", "smtp.office365.com"],
  [/(^|\.)(google|googlemail)\.com\.?$/i, "Google (Gmail / Workspace)", "smtp.gmail.com"],
  [/yahoodns\.net\.?$/i, "Yahoo", "smtp.mail.yahoo.com"],
  [/zoho\.(com|eu|in)\.?$/i, "Zoho Mail", "smtp.zoho.com"],
  [/secureserver\.net\.?$/i, "GoDaddy", "smtpout.secureserver.net"],
  [/icloud\.com\.?$/i, "iCloud Mail", "smtp.mail.me.com"],
];

/** MX and SRV (RFC 6186 / 8314) records of the email domain: hints, never a failure. */
export async function mailDomainFacts(domain: string, o: DnsOptions): Promise<MailDomainFacts> {
  const r = resolver(o);
  const quiet = async <T>(p: Promise<T[]>): Promise<T[]> => {
    try {
      return await withTimeout(p, o.timeoutMs, domain);
    } catch {
      return [];
    }
  };
  const [mx, sub, subs] = await Promise.all([
    quiet(r.resolveMx(domain)),
    quiet(r.resolveSrv(`_submission._tcp.${domain}`)),
    quiet(r.resolveSrv(`_submissions._tcp.${domain}`)),
  ]);
  mx.sort((a, b) => a.priority - b.priority);
  const facts: MailDomainFacts = {
    mx,
    submission: [
      ...sub.filter((s) => s.name && s.name !== ".").map((s) => ({ name: s.name, port: s.port, implicitTls: false })),
      ...subs.filter((s) => s.name && s.name !== ".").map((s) => ({ name: s.name, port: s.port, implicitTls: true })),
    ],
  };
  for (const m of mx) {
    const known = MX_PROVIDERS.find(([re]) => re.test(m.exchange));
    if (known) {
      facts.provider = { name: known[1], submissionHost: known[2] };
      break;
    }
  }
  return facts;
}

/** Well-known submission hosts, for "did you mean" on a name that does not resolve. */
const KNOWN_HOSTS = ["smtp.office365.com", "smtp.gmail.com", "smtp.mail.yahoo.com", "smtp-mail.outlook.com", "smtp.zoho.com", "smtp.mail.me.com", "outlook.office365.com", "smtpout.secureserver.net"];

export function didYouMean(host: string): string | undefined {
  let best: { host: string; d: number } | undefined;
  for (const known of KNOWN_HOSTS) {
    const d = editDistance(host.toLowerCase(), known);
    if (d > 0 && d <= 2 && (!best || d < best.d)) best = { host: known, d };
  }
  return best?.host;
}
