import type { WebmailSettings } from "../config/types.js";
import { MailError, NotConfiguredError, isMailError } from "../errors.js";
import { redact } from "../diagnosis/redact.js";
import { hasSmtpSend, microsoftClientConfig, microsoftEndpoints, smtpSendMissing } from "../oauth/microsoft.js";
import { DEFAULT_TENANT } from "../config/microsoft-fields.js";
import { refreshToken } from "../oauth/token.js";
import type { OAuthClientConfig } from "../oauth/loopback.js";
import { createSmtpProvider, securityWords } from "./smtp.js";
import type { ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent } from "./types.js";
import type { SecretLock } from "./index.js";

/** Called with a replacement for the saved refresh token; the caller stores it. */
export type SecretRotated = (secret: string) => Promise<void>;

/**
 * Microsoft 365 over SMTP with OAuth: smtp.office365.com:587, STARTTLS, then XOAUTH2
 * with an access token got from the saved refresh token. Tokens are refreshed shortly
 * before they expire and once more when the server refuses one that should still be
 * good. Microsoft rotates refresh tokens: each new one is handed to `onSecretRotated`
 * at once, so the next run starts from it.
 */
export function createMicrosoftProvider(
  s: WebmailSettings,
  secret: string | undefined,
  o: ConnectOptions,
  env: NodeJS.ProcessEnv,
  onSecretRotated?: SecretRotated,
  secretLock?: SecretLock,
): MailProvider {
  const reconnect = "mailcfg connect-microsoft company|user <id>";
  if (!secret) throw new NotConfiguredError(`The Microsoft 365 connection of ${s.email} has no saved refresh token.`, reconnect);
  if (!s.clientId) throw new NotConfiguredError(`The Microsoft 365 profile of ${s.email} does not name its app registration (client id).`, reconnect);

  const client = microsoftClientConfig(s.clientId, microsoftEndpoints(env, s.tenant ?? DEFAULT_TENANT));
  const tokens = new AccessTokens(client, secret, o, onSecretRotated, secretLock);
  const log = (line: string) => o.onLog?.(redact(line, tokens.secrets()));

  // One SMTP transport per access token: a new token means a new login.
  let smtp: { token: string; provider: MailProvider } | undefined;
  const smtpWith = async (token: string): Promise<MailProvider> => {
    if (smtp?.token === token) return smtp.provider;
    await smtp?.provider.close().catch(() => undefined);
    smtp = { token, provider: createSmtpProvider(s, undefined, o, token) };
    return smtp.provider;
  };

  return {
    type: "webmail",
    async verify(): Promise<Evidence> {
      // Always refresh here: proves the saved connection still works and what it may do.
      log(`POST ${client.tokenUrl} grant_type=refresh_token`);
      const t = await tokens.get(true);
      const ev = await (await smtpWith(t.accessToken)).verify();
      return {
        summary:
          `Refreshed the Microsoft access token of ${s.email} and logged in to ${s.host}:${s.port} ` +
          `(${securityWords(s)}) with XOAUTH2.`,
        facts: { ...ev.facts, auth: "XOAUTH2", scope: t.scope },
      };
    },
    async send(mail: OutgoingMail): Promise<Sent> {
      let t = await tokens.get(false);
      try {
        return await (await smtpWith(t.accessToken)).send(mail);
      } catch (err) {
        // A refused login happens before MAIL FROM, so trying again cannot send twice.
        if (t.fresh || !isXoauth2Refusal(err)) throw err;
        log("the server refused the cached access token; refreshing it and logging in again");
        t = await tokens.get(true);
        return await (await smtpWith(t.accessToken)).send(mail);
      }
    },
    async close() {
      await smtp?.provider.close();
    },
  };
}

/** An SMTP login refused after AUTH XOAUTH2 (as opposed to a refused sender or message). */
export function isXoauth2Refusal(err: unknown): boolean {
  if (!isMailError(err) || err.category !== "auth") return false;
  const command = (err.details.cause as { command?: unknown } | undefined)?.command;
  return typeof command === "string" && /^AUTH XOAUTH2/i.test(command);
}

/** Refresh this long before the token's end, so it does not expire in the middle of a send. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

interface Access {
  accessToken: string;
  scope: string;
  /** Obtained by this call (a refusal of it is not a matter of age). */
  fresh: boolean;
}

/** The access tokens of one connection, refreshed one at a time. */
class AccessTokens {
  private refresh: string;
  private current: { accessToken: string; scope: string; expiresAt: number } | undefined;
  private pending: Promise<Access> | undefined;
  private readonly issued: string[] = [];

  constructor(
    private readonly client: OAuthClientConfig,
    refresh: string,
    private readonly o: ConnectOptions,
    private readonly onRotated: SecretRotated | undefined,
    private readonly lock: SecretLock | undefined,
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
    if (scope && !hasSmtpSend(scope)) throw smtpSendMissing(scope, undefined);
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
