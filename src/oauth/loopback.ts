import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "../context.js";
import { UsageError, type MailError } from "../errors.js";
import { createPkce, randomState } from "./pkce.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "./defaults.js";
import { oauthFailure, type OAuthErrorContext } from "./errors.js";
import { readLine } from "./lines.js";

/**
 * OAuth 2 for installed apps (RFC 8252), provider-neutral: authorization code with PKCE
 * (S256) and `state`, answered on a one-shot HTTP listener on this machine's loopback.
 * A provider module (google.ts) supplies the endpoints, scopes and extra parameters and
 * exchanges the code; this module only obtains the code.
 */
export interface OAuthClientConfig {
  /** Who signs the user in, as users know it: "Google", "Microsoft". */
  provider: string;
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  /** Installed-app clients of some providers (Google) have one; public clients (Microsoft) do not. */
  clientSecret?: string;
  scopes: string[];
  /** Extra query parameters of the authorization URL, e.g. access_type=offline, prompt=consent. */
  extraAuthParams?: Record<string, string>;
  /**
   * The host named in the redirect URI: Google wants 127.0.0.1, Microsoft localhost.
   * The listener binds the loopback interface either way, never a public one.
   */
  redirectHost: "127.0.0.1" | "localhost";
  /** Path of the redirect URI; "/" (the default) gives http://host:port with no path. */
  redirectPath?: string;
  /** Provider-specific advice per OAuth error code (or `stage:code`), added to the general explanation. */
  advice?: Partial<Record<string, string>>;
}

export interface AuthorizeOptions {
  /** false (--no-browser): open nothing, print the URL and accept the pasted redirect address. */
  browser: boolean;
  /** How long to wait for the sign-in; 5 minutes by default. */
  timeoutMs?: number;
  /** The command that starts over, named in every error. */
  reconnect?: string;
}

/** What the sign-in produced: the code and what is needed to exchange it. */
export interface AuthorizationGrant {
  code: string;
  codeVerifier: string;
  /** Must be sent, identical, with the code exchange. */
  redirectUri: string;
  /** Scopes the redirect says were granted (Google reports them; users can untick some). */
  grantedScopes?: string[];
  via: "browser" | "pasted";
}

export { DEFAULT_CONSENT_TIMEOUT_MS };

/**
 * Runs the sign-in: binds the listener (before any browser opens), prints the URL,
 * opens the browser when there is a desktop, or else takes the pasted redirect address,
 * and resolves with the first valid answer. Rejects with an `oauth` MailError for a
 * refusal, a wrong `state` or the timeout, and a UsageError for an unusable pasted address.
 */
export async function authorize(ctx: Context, client: OAuthClientConfig, opts: AuthorizeOptions): Promise<AuthorizationGrant> {
  const pkce = createPkce();
  const state = randomState();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS;
  const errCtx: OAuthErrorContext = {
    provider: client.provider,
    stage: "consent",
    ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
    ...(client.advice ? { advice: client.advice } : {}),
  };

  let settle!: (r: Answer | Error) => void;
  let settled = false;
  const answer = new Promise<Answer>((resolve, reject) => {
    settle = (r) => {
      if (settled) return;
      settled = true;
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
  });
  // Settled while the browser is still being opened: awaited below, never unhandled.
  answer.catch(() => undefined);

  const listener = await startListener(client.redirectHost, client.redirectPath ?? "/", (params) => {
    if (settled) return finishedPage(client.provider);
    const r = interpretRedirect(params, state);
    switch (r.kind) {
      case "empty":
        return { status: 404, html: htmlPage("mailcfg", "This address only receives the answer of a sign-in. Return to the terminal.") };
      case "state-mismatch": {
        const err = oauthFailure("state_mismatch", "the browser brought back a state value this sign-in did not send", errCtx);
        settle(err);
        return errorPage(err);
      }
      case "error": {
        const err = oauthFailure(r.error, r.description, errCtx);
        settle(err);
        return errorPage(err);
      }
      case "code":
        settle({ code: r.code, ...(r.scopes ? { grantedScopes: r.scopes } : {}), via: "browser" });
        return {
          status: 200,
          html: htmlPage(
            "Signed in",
            `mailcfg received the answer from ${client.provider}. You may close this tab and return to the terminal.`,
          ),
        };
    }
  });

  const stopWaiting = new AbortController();
  const timer = setTimeout(() => {
    settle(oauthFailure("timeout", `waited ${durationWords(timeoutMs)}`, errCtx));
  }, timeoutMs);
  try {
    const url = authorizationUrl(client, { redirectUri: listener.redirectUri, state, challenge: pkce.challenge });
    const desktop = desktopProblem(ctx.env, process.platform);
    let paste = !opts.browser || desktop !== undefined;
    if (!paste) {
      printBrowserInstructions(ctx, client, url, timeoutMs);
      try {
        await ctx.openUrl(url);
      } catch (err) {
        if (!settled) {
          ctx.io.err.write(`No browser could be opened (${err instanceof Error ? err.message : String(err)}).\n`);
          paste = true;
        }
      }
    } else {
      const why = !opts.browser ? "--no-browser" : desktop;
      ctx.io.err.write(ctx.theme.dim(`No browser is opened (${why}).`) + "\n");
    }
    if (paste && !settled) {
      printPasteInstructions(ctx, client, url, listener.redirectUri, timeoutMs);
      void takePastedAnswer(ctx, state, errCtx, listener.redirectUri, stopWaiting.signal).then(
        (a) => a && settle(a),
        (err: unknown) => settle(err instanceof Error ? err : new Error(String(err))),
      );
    }
    const got = await answer;
    if (got.via === "browser" && paste) ctx.io.err.write(`Received the answer from the browser.\n`);
    return { ...got, codeVerifier: pkce.verifier, redirectUri: listener.redirectUri };
  } finally {
    clearTimeout(timer);
    stopWaiting.abort();
    await listener.close();
  }
}

interface Answer {
  code: string;
  grantedScopes?: string[];
  via: "browser" | "pasted";
}

/** The authorization URL: the client's parameters, PKCE challenge, state and extra parameters. */
export function authorizationUrl(
  client: OAuthClientConfig,
  p: { redirectUri: string; state: string; challenge: string },
): string {
  const url = new URL(client.authorizationUrl);
  const q = url.searchParams;
  q.set("client_id", client.clientId);
  q.set("redirect_uri", p.redirectUri);
  q.set("response_type", "code");
  q.set("scope", client.scopes.join(" "));
  q.set("state", p.state);
  q.set("code_challenge", p.challenge);
  q.set("code_challenge_method", "S256");
  for (const [k, v] of Object.entries(client.extraAuthParams ?? {})) q.set(k, v);
  return url.href;
}

export type RedirectReading =
  | { kind: "empty" }
  | { kind: "state-mismatch" }
  | { kind: "error"; error: string; description?: string }
  | { kind: "code"; code: string; scopes?: string[] };

/** Reads the query of a redirect. The state is checked first: an unmatched answer says nothing. */
export function interpretRedirect(params: URLSearchParams, expectedState: string): RedirectReading {
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return { kind: "empty" };
  if (params.get("state") !== expectedState) return { kind: "state-mismatch" };
  if (error) {
    const description = params.get("error_description");
    return { kind: "error", error, ...(description ? { description } : {}) };
  }
  const scope = params.get("scope");
  return { kind: "code", code: code as string, ...(scope ? { scopes: scope.split(/\s+/).filter(Boolean) } : {}) };
}

/** The query of what the user pasted: a whole address, or just its `?code=...` part. */
export function pastedParams(text: string): URLSearchParams | undefined {
  const t = text.trim().replace(/^["'<]+|["'>]+$/g, "");
  try {
    return new URL(t).searchParams;
  } catch {
    if (/(^|[?&])(code|error)=/.test(t)) return new URLSearchParams(t.replace(/^[^?]*\?/, ""));
    return undefined;
  }
}

/** Why a pasted address cannot be used, or undefined when it carries an answer for this attempt. */
function pasteProblem(text: string, state: string, redirectUri: string): string | undefined {
  if (text.trim() === "") return "Paste the whole address from the browser's address bar.";
  const params = pastedParams(text);
  if (!params) return `That is not an address; it should start with ${redirectUri}.`;
  const r = interpretRedirect(params, state);
  if (r.kind === "empty") return "That address has no code= part: copy the address the browser shows after you click Allow.";
  if (r.kind === "state-mismatch") return "That address belongs to another sign-in attempt (its state does not match): use the address printed above.";
  return undefined;
}

/**
 * The paste path: on a terminal a question (asked again until the address fits), without
 * one a line on standard input. An address carrying an error (access_denied) ends the flow
 * with that error; an unusable one without a terminal is a UsageError (it is the user's input).
 */
async function takePastedAnswer(
  ctx: Context,
  state: string,
  errCtx: OAuthErrorContext,
  redirectUri: string,
  signal: AbortSignal,
): Promise<Answer | undefined> {
  let text: string | undefined;
  if (ctx.io.canPrompt) {
    try {
      text = await ctx.prompt.text({
        message: "Paste the address the browser landed on",
        validate: (v) => pasteProblem(v, state, redirectUri) ?? true,
        signal,
      });
    } catch (err) {
      if (signal.aborted) return undefined; // the browser answered first
      throw err;
    }
  } else {
    for (;;) {
      const line = await readLine(ctx.io.stdin, signal);
      if (line === undefined) {
        if (!signal.aborted) {
          ctx.io.err.write(`Standard input ended; still waiting for the browser to reach ${redirectUri}.\n`);
        }
        return undefined;
      }
      if (line.trim() !== "") {
        text = line;
        break;
      }
    }
    const problem = pasteProblem(text, state, redirectUri);
    if (problem) throw new UsageError(`The pasted address cannot be used: ${problem}`, errCtx.reconnect ? `Run again: ${errCtx.reconnect} --no-browser` : undefined);
  }
  const r = interpretRedirect(pastedParams(text) ?? new URLSearchParams(), state);
  if (r.kind === "error") throw oauthFailure(r.error, r.description, errCtx);
  if (r.kind !== "code") throw new UsageError("The pasted address carries no sign-in code.");
  return { code: r.code, ...(r.scopes ? { grantedScopes: r.scopes } : {}), via: "pasted" };
}

/**
 * Why no browser can be opened here, or undefined when there is a desktop: an SSH
 * session, or Linux/BSD without an X11 or Wayland display.
 */
export function desktopProblem(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return "this is an SSH session";
  const unixLike = platform !== "darwin" && platform !== "win32";
  if (unixLike && !env.DISPLAY && !env.WAYLAND_DISPLAY) return "no desktop: DISPLAY and WAYLAND_DISPLAY are unset";
  return undefined;
}

function printBrowserInstructions(ctx: Context, client: OAuthClientConfig, url: string, timeoutMs: number): void {
  const e = ctx.io.err;
  e.write(`Opening the browser to sign in with ${client.provider}. Sign in, then click Allow.\n`);
  e.write(`If no browser opens, open this address yourself:\n\n  ${url}\n\n`);
  e.write(ctx.theme.dim(`Waiting up to ${durationWords(timeoutMs)} for the sign-in…`) + "\n");
}

function printPasteInstructions(ctx: Context, client: OAuthClientConfig, url: string, redirectUri: string, timeoutMs: number): void {
  const e = ctx.io.err;
  e.write(`Open this address in a browser (on any computer), sign in with ${client.provider} and click Allow:\n\n  ${url}\n\n`);
  e.write(
    `The browser then goes to an address starting with ${redirectUri}; that page may fail to load, which is expected.\n` +
      `Copy the whole address from the browser's address bar and ${ctx.io.canPrompt ? "paste it here" : "give it on standard input (one line)"}.\n`,
  );
  e.write(ctx.theme.dim(`Waiting up to ${durationWords(timeoutMs)}…`) + "\n");
}

export function durationWords(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 90) return s === 1 ? "1 second" : `${s} seconds`;
  const m = Math.round(s / 60);
  return m === 1 ? "1 minute" : `${m} minutes`;
}

// ---- the one-shot listener ----

interface Page {
  status: number;
  html: string;
}

interface Listener {
  redirectUri: string;
  close(): Promise<void>;
}

/**
 * An HTTP server on loopback at a port the system picks, answering only GET on the
 * redirect path. For a `localhost` redirect it also listens on [::1] at the same port
 * when it can, since browsers may resolve localhost to either address.
 */
async function startListener(redirectHost: "127.0.0.1" | "localhost", path: string, handle: (params: URLSearchParams) => Page): Promise<Listener> {
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

function errorPage(err: MailError): Page {
  return { status: 400, html: htmlPage("Not connected", `${err.message} Return to the terminal for what to do next.`) };
}

function finishedPage(provider: string): Page {
  return { status: 410, html: htmlPage("Already finished", `This ${provider} sign-in is already finished. You may close this tab.`) };
}

function htmlPage(title: string, text: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>mailcfg: ${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${escapeHtml(title)}</h1>` +
    `<p>${escapeHtml(text)}</p></body></html>`
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
