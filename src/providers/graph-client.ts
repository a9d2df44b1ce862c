import { isMailError, type MailError } from "../errors.js";
import { redact } from "../diagnosis/redact.js";
import type { Access, AccessTokens } from "../oauth/access-tokens.js";
import { graphFailure, retryAfterSeconds, type GraphOp } from "./graph-errors.js";

/** Graph's limit of concurrent requests per mailbox. */
export const MAILBOX_CONCURRENCY = 4;

/** One Graph request as the provider asks for it. */
export interface GraphCall {
  op: GraphOp;
  method: string;
  /** A path under the origin, or a full URL (an upload session's pre-authenticated URL). */
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** The upload URL carries its own authorisation: no bearer token is sent to it. */
  bearer?: boolean;
  /** This request sends the message: no answer after writing it means it may have gone. */
  sends?: boolean;
}

/** What a GraphClient needs from the profile and the run. */
export interface GraphClientOptions {
  email: string;
  origin: string;
  tokens: AccessTokens;
  tokenUrl: string;
  timeoutMs: number;
  /** The protocol log, every token the connection has held masked. */
  log: (line: string) => void;
}

/**
 * The requests of one Microsoft 365 mailbox to Microsoft Graph: each within the mailbox's
 * slots, with the access token from the saved refresh token, and every failure recorded
 * as facts (graph-errors.ts decides what they mean).
 */
export class GraphClient {
  readonly email: string;
  readonly origin: string;
  readonly tokenUrl: string;
  readonly log: (line: string) => void;
  private readonly tokens: AccessTokens;
  private readonly timeoutMs: number;
  private readonly slots: Slots;

  constructor(o: GraphClientOptions) {
    this.email = o.email;
    this.origin = o.origin;
    this.tokenUrl = o.tokenUrl;
    this.log = o.log;
    this.tokens = o.tokens;
    this.timeoutMs = o.timeoutMs;
    this.slots = mailboxSlots(o.email);
  }

  /** An access token; a failure to get one carries the token stage's facts. */
  async token(force: boolean): Promise<Access> {
    try {
      return await this.tokens.get(force);
    } catch (err) {
      if (isMailError(err)) {
        // The evidence reads "refresh: invalid_grant: AADSTS50173: ..." (see oauth/errors.ts).
        const evidence = err.details.evidence ?? "";
        const aadsts = /AADSTS(\d+)/.exec(evidence)?.[1];
        const oauthError = /^[a-z-]+: ([a-z_]+)/.exec(evidence)?.[1];
        err.details.facts ??= {
          stage: "token",
          ...(oauthError ? { oauthError } : {}),
          ...(aadsts ? { aadsts: Number(aadsts) } : {}),
          settings: { type: "webmail", auth: "oauth2-microsoft", email: this.email, url: this.tokenUrl },
        };
      }
      throw err;
    }
  }

  /** One Graph request within the mailbox's 4 slots; a 401 on a cached token refreshes it and tries once more. */
  async call(c: GraphCall): Promise<Response> {
    const url = c.path.startsWith("http") ? c.path : `${this.origin}${c.path}`;
    const shown = c.bearer === false ? `${new URL(url).origin}/(upload URL)` : url;
    let t = c.bearer === false ? undefined : await this.token(false);
    for (;;) {
      this.log(`${c.method} ${shown}${c.body ? ` (${c.body.length} bytes)` : ""}`);
      const res = await this.fetchOnce(c, url, t);
      if (res.status === 401 && t && !t.fresh) {
        await res.body?.cancel();
        this.log("Microsoft Graph refused the cached access token; refreshing it and trying again");
        t = await this.token(true);
        continue;
      }
      if (res.ok) return res;
      throw await this.refusal(c, res);
    }
  }

  /** The request itself; no answer at all becomes a failure with the socket's facts. */
  private async fetchOnce(c: GraphCall, url: string, t: Access | undefined): Promise<Response> {
    try {
      return await this.slots.run(() =>
        fetch(url, {
          method: c.method,
          headers: { ...c.headers, ...(t ? { authorization: `Bearer ${t.accessToken}` } : {}) },
          ...(c.body !== undefined ? { body: c.body } : {}),
          signal: AbortSignal.timeout(Math.max(this.timeoutMs, c.body && c.body.length > 1e6 ? 120_000 : 0)),
        }),
      );
    } catch (err) {
      const errno = errnoOf(err);
      const unsent = errno === "ECONNREFUSED" || errno === "ENOTFOUND" || errno === "EAI_AGAIN";
      throw graphFailure(
        {
          op: c.op,
          email: this.email,
          errno,
          message: redact(err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ""}` : String(err), this.tokens.secrets()),
          url: this.origin,
          ...(c.sends && !unsent ? { maybeDelivered: true } : {}),
        },
        err,
      );
    }
  }

  /** A refused request: Graph's error code and message, and when to try again. */
  private async refusal(c: GraphCall, res: Response): Promise<MailError> {
    const text = await res.text().catch(() => "");
    const e = parseGraphError(text);
    const retry = retryAfterSeconds(res.headers.get("retry-after"));
    this.log(`HTTP ${res.status}${e.code ? ` ${e.code}` : ""}`);
    return graphFailure({
      op: c.op,
      email: this.email,
      httpStatus: res.status,
      ...(e.code ? { code: e.code } : {}),
      ...(e.message ? { message: redact(e.message, this.tokens.secrets()) } : {}),
      ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
      url: this.origin,
    });
  }
}

function parseGraphError(text: string): { code?: string; message?: string } {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      ...(typeof e?.code === "string" ? { code: e.code } : {}),
      ...(typeof e?.message === "string" ? { message: e.message } : {}),
    };
  } catch {
    return text ? { message: text.slice(0, 300) } : {};
  }
}

function errnoOf(err: unknown): string | undefined {
  const e = err as { name?: string; code?: unknown; cause?: { code?: unknown } };
  if (e?.name === "TimeoutError") return "ETIMEDOUT";
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return typeof e?.code === "string" ? e.code : undefined;
}

/** At most MAILBOX_CONCURRENCY requests at once per mailbox, across every provider of this process. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

const SLOTS = new Map<string, Slots>();

export function mailboxSlots(email: string): Slots {
  const key = email.toLowerCase();
  let s = SLOTS.get(key);
  if (!s) {
    s = new Slots(MAILBOX_CONCURRENCY);
    SLOTS.set(key, s);
  }
  return s;
}
