import type { LookupFunction } from "node:net";
import type { IncomingMessage } from "node:http";
import type { SecureContext } from "node:tls";
import { isLoopbackAddress } from "./env.js";

export interface GetOptions {
  signal: AbortSignal;
  /** Resolves a name to addresses (the discovery resolver). */
  resolve: (host: string) => Promise<string[]>;
  /** Ports used instead of 443 and 80 when the URL names none (test rigs: loopback addresses only). */
  ports?: { https?: number; http?: number };
  /** Trusts the system roots plus the extra CAs (--ca, NODE_EXTRA_CA_CERTS). */
  secureContext?: SecureContext;
  maxBytes?: number;
  maxRedirects?: number;
}

export interface Got {
  status: number;
  body: string;
  /** The request or a redirect went over plain http: what came back may have been changed on the way. */
  plainHttp: boolean;
  url: string;
}

/**
 * GET a small document, following redirects, never sending a cookie or credential. Notes
 * whether any hop was plain http: a result reached that way is not trusted.
 */
export async function httpGet(url: string, o: GetOptions): Promise<Got> {
  let current = new URL(url);
  let plainHttp = false;
  for (let hop = 0; ; hop++) {
    if (current.protocol !== "https:" && current.protocol !== "http:") throw new Error(`redirected to ${current.protocol} (not http or https)`);
    if (current.protocol === "http:") plainHttp = true;
    const res = await request(current, o);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      if (hop >= (o.maxRedirects ?? 5)) throw new Error("too many redirects");
      current = new URL(location, current);
      continue;
    }
    const body = await readBody(res, o.maxBytes ?? 256 * 1024);
    return { status: res.statusCode ?? 0, body, plainHttp, url: current.href };
  }
}

async function request(url: URL, o: GetOptions): Promise<IncomingMessage> {
  const secure = url.protocol === "https:";
  const override = url.port ? undefined : secure ? o.ports?.https : o.ports?.http;
  const port = url.port ? Number(url.port) : (override ?? (secure ? 443 : 80));
  const lookup: LookupFunction = (hostname, options, callback) => {
    o.resolve(hostname).then(
      (addresses) => {
        // An overridden port is for a local test rig: never use it off this machine.
        const usable = override ? addresses.filter(isLoopbackAddress) : addresses;
        const first = usable[0];
        if (!first) {
          const why = addresses.length > 0 ? `${hostname} is not on this machine (the discovery port override is for local rigs only)` : `${hostname} has no address`;
          callback(Object.assign(new Error(why), { code: "ENOTFOUND" }), "", 4);
          return;
        }
        const family = first.includes(":") ? 6 : 4;
        if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: first, family }]);
        else callback(null, first, family);
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, "", 4),
    );
  };
  const mod = secure ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const req = mod.get(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port,
        path: url.pathname + url.search,
        headers: { accept: "application/xml, text/xml, application/json, */*", "user-agent": "mailcfg" },
        lookup,
        signal: o.signal,
        agent: false,
        ...(secure ? { servername: url.hostname, ...(o.secureContext ? { secureContext: o.secureContext } : {}) } : {}),
      },
      resolve,
    );
    req.on("error", reject);
  });
}

function readBody(res: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        res.destroy(new Error(`the answer is larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}
