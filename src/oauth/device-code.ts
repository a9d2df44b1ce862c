import type { Context } from "../context.js";
import { CancelledError, MailError } from "../errors.js";
import { oauthFailure } from "./errors.js";
import type { OAuthClientConfig } from "./loopback.js";
import { durationWords } from "./loopback.js";
import { tokenCall, type TokenResponse } from "./token.js";

/**
 * Device code sign-in (OAuth 2.0 device authorization grant, RFC 8628) as the Microsoft
 * identity platform runs it: ask the devicecode endpoint for a user code, show it with
 * the verification address, and poll the token endpoint at the interval given until the
 * user has signed in on any other device. For SSH sessions and CI, where no browser can
 * reach this machine's loopback. (Google refuses Gmail scopes in its device flow, so
 * connect-gmail keeps the loopback flow.)
 */

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** The devicecode endpoint's answer (RFC 8628 3.2; Microsoft adds `message`). */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval?: number;
  message?: string;
}

export interface DeviceCodeOptions {
  /** Per HTTP request. */
  timeoutMs: number;
  /** The command that starts over, named in every failure. */
  reconnect?: string;
  /** Waits between polls; tests pass one that records and returns at once. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Cancels the sign-in (Ctrl-C); the run ends with exit 130. */
  signal?: AbortSignal;
  now?: () => number;
}

/** RFC 8628 3.5: a slow_down answer adds 5 seconds to the interval, for good. */
export const SLOW_DOWN_STEP_MS = 5000;
const DEFAULT_INTERVAL_S = 5;

/** What the device flow's own error codes mean (the rest go through the general OAuth table). */

/** Asks the devicecode endpoint for a code; a refusal (wrong client, unknown tenant...) is an OAuth failure. */
export async function requestDeviceCode(client: OAuthClientConfig, deviceCodeUrl: string, o: DeviceCodeOptions): Promise<DeviceAuthorization> {
  const r = await tokenCall(
    { ...client, tokenUrl: deviceCodeUrl },
    { scope: client.scopes.join(" ") },
    { timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) },
    [],
    (data) => typeof data.device_code === "string" && typeof data.user_code === "string",
  ).catch((err: unknown) => cancelled(err, o.signal));
  if (!r.ok) throw failure(client, r.error, r.description, "consent", o, r.masked);
  const d = r.tokens as unknown as DeviceAuthorization;
  if (typeof d.verification_uri !== "string" || !/^https?:\/\//.test(d.verification_uri)) {
    throw new MailError("oauth", `${client.provider}'s device code answer has no verification address.`, {
      hint: "Run the command again, or sign in without --device-code.",
      provider: client.provider,
      code: "invalid_device_code_response",
      ...(o.reconnect ? { next: o.reconnect } : {}),
    });
  }
  return d;
}

/** Prints the code and the address to open, on stderr (the code is not a secret: it is useless without the sign-in). */
export function printDeviceCode(ctx: Context, client: OAuthClientConfig, d: DeviceAuthorization): void {
  const e = ctx.io.err;
  e.write(`To sign in, open ${ctx.theme.bold(d.verification_uri)} in a browser on any computer or phone,\n`);
  e.write(`enter the code ${ctx.theme.bold(d.user_code)} and sign in with ${client.provider} as the mailbox.\n`);
  e.write(ctx.theme.dim(`Waiting for the sign-in (the code works for ${durationWords(d.expires_in * 1000)}; Ctrl-C to stop)…`) + "\n");
}

/**
 * Polls the token endpoint until the user signed in (tokens), declined, or the code
 * expired. authorization_pending waits another interval; slow_down adds 5 seconds.
 */
export async function pollDeviceToken(client: OAuthClientConfig, d: DeviceAuthorization, o: DeviceCodeOptions): Promise<TokenResponse> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? abortableSleep;
  const signal = o.signal ?? new AbortController().signal;
  const deadline = now() + d.expires_in * 1000;
  let intervalMs = Math.max(0, d.interval ?? DEFAULT_INTERVAL_S) * 1000;
  for (;;) {
    await sleep(intervalMs, signal).catch((err: unknown) => cancelled(err, signal));
    if (signal.aborted) throw new CancelledError();
    const r = await tokenCall(
      client,
      { grant_type: DEVICE_CODE_GRANT, device_code: d.device_code },
      { timeoutMs: o.timeoutMs, signal },
      [d.device_code],
    ).catch((err: unknown) => cancelled(err, signal));
    if (r.ok) return r.tokens;
    if (r.error === "authorization_pending" && now() < deadline) continue;
    if (r.error === "slow_down" && now() < deadline) {
      intervalMs += SLOW_DOWN_STEP_MS;
      continue;
    }
    const code = r.error === "authorization_pending" || r.error === "slow_down" ? "expired_token" : r.error;
    throw failure(client, code, r.description, "code-exchange", o, r.masked);
  }
}

function failure(
  client: OAuthClientConfig,
  code: string,
  description: string,
  stage: "consent" | "code-exchange",
  o: DeviceCodeOptions,
  masked: Array<string | undefined>,
): MailError {
  // What each device-flow code means (expired_token, authorization_declined ...) is in the failure table.
  return oauthFailure(code, description, {
    provider: client.provider,
    stage,
    ...(o.reconnect ? { reconnect: o.reconnect } : {}),
    ...(client.advice ? { advice: client.advice } : {}),
    secrets: masked,
  });
}

/** An aborted wait or request after Ctrl-C is a cancel (exit 130), not a network failure. */
function cancelled(err: unknown, signal: AbortSignal | undefined): never {
  if (signal?.aborted) throw new CancelledError();
  throw err;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `fn` with an AbortSignal that Ctrl-C (SIGINT) fires, so a waiting sign-in ends
 * with exit 130 rather than a killed process; the handler is removed afterwards.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = () => ac.abort(new CancelledError());
  process.once("SIGINT", onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off("SIGINT", onSignal);
  }
}
