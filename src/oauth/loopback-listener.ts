/**
 * The one-shot HTTP listener on loopback that receives a sign-in's redirect, and the
 * small pages it answers the browser with.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { MailError } from "../errors.js";

export interface Page {
  status: number;
  html: string;
}

export interface Listener {
  redirectUri: string;
  close(): Promise<void>;
}

/**
 * An HTTP server on loopback at a port the system picks, answering only GET on the
 * redirect path. For a `localhost` redirect it also listens on [::1] at the same port
 * when it can, since browsers may resolve localhost to either address.
 */
export async function startListener(redirectHost: "127.0.0.1" | "localhost", path: string, handle: (params: URLSearchParams) => Page): Promise<Listener> {
  const servers: Server[] = [];
  const make = () => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const page: Page =
        req.method === "GET" && url.pathname === path ? handle(url.searchParams) : { status: 404, html: htmlPage("Not found", "Nothing here.") };
      res.writeHead(page.status, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        connection: "close",
      });
      res.end(page.html);
    });
    servers.push(server);
    return server;
  };
  const port = await listenOn(make(), "127.0.0.1", 0);
  if (redirectHost === "localhost") await listenOn(make(), "::1", port).catch(() => servers.pop());
  const suffix = path === "/" ? "" : path;
  return {
    redirectUri: `http://${redirectHost}:${port}${suffix}`,
    close: () => Promise.all(servers.map(closeServer)).then(() => undefined),
  };
}

function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening; a browser's idle or speculative connection does not keep it open. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 500);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export function errorPage(err: MailError): Page {
  return { status: 400, html: htmlPage("Not connected", `${err.message} Return to the terminal for what to do next.`) };
}

export function finishedPage(provider: string): Page {
  return { status: 410, html: htmlPage("Already finished", `This ${provider} sign-in is already finished. You may close this tab.`) };
}

export function htmlPage(title: string, text: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>mailcfg: ${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${escapeHtml(title)}</h1>` +
    `<p>${escapeHtml(text)}</p></body></html>`
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
