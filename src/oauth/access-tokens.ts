import { MailError } from "../errors.js";
import type { OAuthClientConfig } from "./loopback.js";
import { refreshToken } from "./token.js";
import type { SecretLock } from "../config/rotated-secret.js";

/** Called with a replacement for the saved refresh token; the caller stores it. */
export type SecretRotated = (secret: string) => Promise<void>;

export type { SecretLock };

/** Refresh this long before the token's end, so it does not expire in the middle of a send. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export interface Access {
  accessToken: string;
  scope: string;
  /** Obtained by this call (a refusal of it is not a matter of age). */
  fresh: boolean;
}

/**
 * The access tokens of one Microsoft connection (SMTP or Graph), refreshed one at a time.
 * Microsoft rotates refresh tokens: each new one is handed to `onRotated` at once, so the
 * next run starts from it. `checkScope` throws when a token lacks what the transport needs.
 */
export class AccessTokens {
  private refresh: string;
  private current: { accessToken: string; scope: string; expiresAt: number } | undefined;
  private pending: Promise<Access> | undefined;
  private readonly issued: string[] = [];

  constructor(
    private readonly client: OAuthClientConfig,
    refresh: string,
    private readonly o: { timeoutMs: number; onLog?: (line: string) => void },
    private readonly onRotated: SecretRotated | undefined,
    private readonly checkScope: (scope: string) => void,
    private readonly lock?: SecretLock,
  ) {
    this.refresh = refresh;
  }

  /** Every token this connection has held, for masking. */
  secrets(): string[] {
    return [this.refresh, ...this.issued];
  }

  get(force: boolean): Promise<Access> {
    const c = this.current;
    if (!force && c && c.expiresAt - EXPIRY_MARGIN_MS > Date.now()) {
      return Promise.resolve({ accessToken: c.accessToken, scope: c.scope, fresh: false });
    }
    this.pending ??= this.renew().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * Refreshes under the config folder's lock (when the caller gives one), starting from
   * the refresh token as saved now: a parallel run that rotated it first has made ours
   * useless, and under strict rotation a used token is refused.
   */
  private renew(): Promise<Access> {
    if (!this.lock) return this.renewFrom(undefined);
    return this.lock((saved) => this.renewFrom(saved));
  }

  private async renewFrom(saved: string | undefined): Promise<Access> {
    if (saved && saved !== this.refresh) {
      this.issued.push(this.refresh);
      this.refresh = saved;
      this.o.onLog?.("another run rotated the saved refresh token meanwhile; refreshing with the newer one");
    }
    const r = await refreshToken(this.client, this.refresh, { timeoutMs: this.o.timeoutMs });
    this.issued.push(r.access_token);
    const scope = r.scope ?? "";
    if (scope) this.checkScope(scope);
    if (r.refresh_token && r.refresh_token !== this.refresh) {
      this.issued.push(this.refresh);
      this.refresh = r.refresh_token;
      this.o.onLog?.("Microsoft issued a new refresh token; it replaces the saved one");
      try {
        await this.onRotated?.(r.refresh_token);
      } catch (err) {
        throw new MailError("unknown", "Microsoft issued a new refresh token, but it could not be saved in the secret store.", {
          hint: "Check the secret store (mailcfg config get secret-store); the saved token still works for now.",
          cause: err,
        });
      }
    }
    const lifetime = (r.expires_in ?? 3600) * 1000;
    this.current = { accessToken: r.access_token, scope, expiresAt: Date.now() + lifetime };
    return { accessToken: r.access_token, scope, fresh: true };
  }
}
