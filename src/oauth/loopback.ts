import type { Context } from "../context.js";
import { createPkce, randomState } from "./pkce.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "./defaults.js";
import { oauthFailure, type OAuthErrorContext } from "./errors.js";
import { errorPage, finishedPage, htmlPage, startListener, type Page } from "./loopback-listener.js";
import { takePastedAnswer } from "./loopback-paste.js";
import { interpretRedirect, type Answer } from "./redirect.js";


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
  const slot = new AnswerSlot();
  const listener = await startListener(client.redirectHost, client.redirectPath ?? "/", redirectHandler(client, state, errCtx, slot));

  const stopWaiting = new AbortController();
  const timer = setTimeout(() => {
    slot.settle(oauthFailure("timeout", `waited ${durationWords(timeoutMs)}`, errCtx));
  }, timeoutMs);
  try {
    const url = authorizationUrl(client, { redirectUri: listener.redirectUri, state, challenge: pkce.challenge });
    const paste = await offerBrowser(ctx, client, opts, url, timeoutMs, slot);
    if (paste && !slot.settled) {
      printPasteInstructions(ctx, client, url, listener.redirectUri, timeoutMs);
      void takePastedAnswer(ctx, state, errCtx, listener.redirectUri, stopWaiting.signal).then(
        (a) => a && slot.settle(a),
        (err: unknown) => slot.settle(err instanceof Error ? err : new Error(String(err))),
      );
    }
    const got = await slot.answer;
    if (got.via === "browser" && paste) ctx.io.err.write(`Received the answer from the browser.\n`);
    return { ...got, codeVerifier: pkce.verifier, redirectUri: listener.redirectUri };
  } finally {
    clearTimeout(timer);
    stopWaiting.abort();
    await listener.close();
  }
}

/** The first answer of the sign-in (browser, paste, or timeout); later ones are ignored. */
class AnswerSlot {
  settled = false;
  readonly answer: Promise<Answer>;
  private finish!: (r: Answer | Error) => void;

  constructor() {
    this.answer = new Promise<Answer>((resolve, reject) => {
      this.finish = (r) => (r instanceof Error ? reject(r) : resolve(r));
    });
    // Settled while the browser is still being opened: awaited later, never unhandled.
    this.answer.catch(() => undefined);
  }

  settle(r: Answer | Error): void {
    if (this.settled) return;
    this.settled = true;
    this.finish(r);
  }
}

/** What the listener does with the browser's request: settles the sign-in and says so on the page. */
function redirectHandler(client: OAuthClientConfig, state: string, errCtx: OAuthErrorContext, slot: AnswerSlot): (params: URLSearchParams) => Page {
  return (params) => {
    if (slot.settled) return finishedPage(client.provider);
    const r = interpretRedirect(params, state);
    switch (r.kind) {
      case "empty":
        return { status: 404, html: htmlPage("mailcfg", "This address only receives the answer of a sign-in. Return to the terminal.") };
      case "state-mismatch": {
        const err = oauthFailure("state_mismatch", "the browser brought back a state value this sign-in did not send", errCtx);
        slot.settle(err);
        return errorPage(err);
      }
      case "error": {
        const err = oauthFailure(r.error, r.description, errCtx);
        slot.settle(err);
        return errorPage(err);
      }
      case "code":
        slot.settle({ code: r.code, ...(r.scopes ? { grantedScopes: r.scopes } : {}), via: "browser" });
        return {
          status: 200,
          html: htmlPage(
            "Signed in",
            `mailcfg received the answer from ${client.provider}. You may close this tab and return to the terminal.`,
          ),
        };
    }
  };
}

/**
 * Opens the browser when it may and can; true when the user is to paste the address
 * instead (--no-browser, no desktop, or the browser could not be opened).
 */
async function offerBrowser(ctx: Context, client: OAuthClientConfig, opts: AuthorizeOptions, url: string, timeoutMs: number, slot: AnswerSlot): Promise<boolean> {
  const desktop = desktopProblem(ctx.env, process.platform);
  if (opts.browser && desktop === undefined) {
    printBrowserInstructions(ctx, client, url, timeoutMs);
    try {
      await ctx.openUrl(url);
    } catch (err) {
      if (!slot.settled) {
        ctx.io.err.write(`No browser could be opened (${err instanceof Error ? err.message : String(err)}).\n`);
        return true;
      }
    }
    return false;
  }
  const why = !opts.browser ? "--no-browser" : desktop;
  ctx.io.err.write(ctx.theme.dim(`No browser is opened (${why}).`) + "\n");
  return true;
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
