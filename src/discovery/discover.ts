import { fromProvider, fromServers, splitAddress, type Found } from "./candidates.js";
import { ispdbLookup } from "./ispdb.js";
import { lookupContext, networkJobs, type Job } from "./network-lookups.js";
import { providerByDomain } from "./providers.js";
import type { DiscoverOptions, Discovered, Discovery, Lookup } from "./types.js";


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
  const cx = lookupContext(address, domain, o);
  const results = await runJobs(networkJobs(cx), o.timeoutMs, lookups, () => cx.dns.cancel());
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
