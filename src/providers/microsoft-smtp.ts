import type { WebmailSettings } from "../config/types.js";
import { isMailError } from "../errors.js";
import type { SecretRotated } from "../oauth/access-tokens.js";
import { createSmtpProvider, securityWords } from "./smtp.js";
import { microsoftTokens, type SavedToken } from "./microsoft-tokens.js";
import type { ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent } from "./types.js";

export type { SecretRotated };

/**
 * Microsoft 365 over SMTP with OAuth: smtp.office365.com:587, STARTTLS, then XOAUTH2
 * with an access token got from the saved refresh token. Tokens are refreshed shortly
 * before they expire and once more when the server refuses one that should still be
 * good. Microsoft rotates refresh tokens: each new one is handed to `onSecretRotated`
 * at once, so the next run starts from it.
 */
export function createMicrosoftProvider(s: WebmailSettings, saved: SavedToken, o: ConnectOptions, env: NodeJS.ProcessEnv): MailProvider {
  const { tokens, log, tokenUrl } = microsoftTokens(s, saved, o, env, "smtp");

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
      log(`POST ${tokenUrl} grant_type=refresh_token`);
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
