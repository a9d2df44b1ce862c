import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { ThrowawayCa } from "../../src/tls/throwaway-ca.js";

/** What the fake answers for "https://host/path" (or "http://host/path"). */
export type Reply = { xml: string } | { json: unknown; status?: number } | { redirect: string } | { status: number } | "hang";

export interface AutoconfigServers {
  httpsPort: number;
  httpPort: number;
  /** "https://autoconfig.example.test/mail/config-v1.1.xml", as requested (host from the Host header). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * One https and one plain http server on 127.0.0.1 that answer by URL (scheme, Host
 * header and path), as the domains' web servers would: with the discovery ports pointed
 * at them and names resolved by a local DNS server, every autoconfig URL lands here.
 * Unknown URLs get 404; "hang" accepts the request and never answers.
 */
export async function startAutoconfigServers(ca: ThrowawayCa, names: string[], replies: Record<string, Reply>): Promise<AutoconfigServers> {
  const requests: string[] = [];
  const hanging: ServerResponse[] = [];
  const handler = (scheme: string) => (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    const url = `${scheme}://${host}${req.url ?? "/"}`;
    requests.push(url);
    const reply = replies[url];
    if (reply === "hang") {
      hanging.push(res);
      return;
    }
    if (!reply) {
      res.writeHead(404).end("not found");
    } else if ("xml" in reply) {
      res.writeHead(200, { "content-type": "application/xml" }).end(reply.xml);
    } else if ("json" in reply) {
      res.writeHead(reply.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(reply.json));
    } else if ("redirect" in reply) {
      res.writeHead(302, { location: reply.redirect }).end();
    } else {
      res.writeHead(reply.status).end();
    }
  };
  const https = createHttpsServer({ ...ca.issue({ names: [...names, "127.0.0.1"] }) }, handler("https"));
  const http = createHttpServer(handler("http"));
  const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));
  const [httpsPort, httpPort] = await Promise.all([listen(https), listen(http)]);
  return {
    httpsPort,
    httpPort,
    requests,
    close: async () => {
      for (const res of hanging) res.destroy();
      https.closeAllConnections();
      http.closeAllConnections();
      await Promise.all([new Promise((r) => https.close(r)), new Promise((r) => http.close(r))]);
    },
  };
}

/** An autoconfig document (config-v1.1) with these outgoing servers. */
export function clientConfig(id: string, servers: Array<{ host: string; port: number; socket: string; username?: string; auth?: string[] }>): string {
  const out = servers
    .map(
      (s) => `    <outgoingServer type="smtp">
      <hostname>${s.host}</hostname>
      <port>${s.port}</port>
      <socketType>${s.socket}</socketType>
      <username>${s.username ?? "%EMAILADDRESS%"}</username>
${(s.auth ?? ["password-cleartext"]).map((a) => `      <authentication>${a}</authentication>`).join("\n")}
    </outgoingServer>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${id}">
    <domain>${id}</domain>
    <displayName>${id} mail</displayName>
    <incomingServer type="imap"><hostname>imap.${id}</hostname><port>993</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></incomingServer>
${out}
  </emailProvider>
</clientConfig>
`;
}

/**
 * The environment that points discovery at a local rig: names through the local DNS
 * server, autoconfig on the fake servers' ports, the Microsoft tenant probe on the http
 * fake, and the fake's CA trusted.
 */
export function discoveryEnv(dnsServer: string, web: AutoconfigServers, caFile: string): Record<string, string> {
  return {
    MAILCFG_DNS_SERVERS: dnsServer,
    MAILCFG_DISCOVERY_HTTPS_PORT: String(web.httpsPort),
    MAILCFG_DISCOVERY_HTTP_PORT: String(web.httpPort),
    MAILCFG_MICROSOFT_AUTH_URL: `http://127.0.0.1:${web.httpPort}/{tenant}/oauth2/v2.0/authorize`,
    NODE_EXTRA_CA_CERTS: caFile,
  };
}
