import { MailError } from "../errors.js";
import { redact } from "../diagnosis/redact.js";

/** Where in an OAuth connection a failure happened; the same error code means different things. */
export type OAuthStage = "consent" | "code-exchange" | "refresh";

export interface OAuthErrorContext {
  /** Who signs the user in, as users know it: "Google", "Microsoft". */
  provider: string;
  stage: OAuthStage;
  /** The command that starts a new connection, e.g. `mailcfg connect-gmail company`. */
  reconnect?: string;
  /**
   * Provider-specific advice, appended to the general fix: keyed by OAuth error code, or
   * by `stage:code` (e.g. `refresh:invalid_grant`) when it holds for one stage only.
   */
  advice?: Partial<Record<string, string>>;
  /** Secret values to mask in the evidence. */
  secrets?: ReadonlyArray<string | undefined>;
  /** A provider's own, more precise reading of an error (e.g. Microsoft's AADSTS numbers). */
  detail?: OAuthDetailReader;
}

/**
 * What a provider says beyond the standard error code: Microsoft puts the real reason
 * in the description (`AADSTS65001: ...`), and one OAuth code (invalid_grant) covers
 * reasons with different fixes. When it answers, it replaces the general explanation.
 */
export interface OAuthDetail {
  /** The machine-readable code shown instead of the OAuth one, e.g. AADSTS65001. */
  code: string;
  message: string;
  fix: string;
  category?: "oauth" | "server";
}

export type OAuthDetailReader = (code: string, description: string | undefined, stage: OAuthStage) => OAuthDetail | undefined;

interface Explanation {
  message: string;
  fix: string;
  category?: "oauth" | "server";
}

/**
 * What each standard OAuth error (RFC 6749 4.1.2.1 and 5.2) means for someone connecting
 * a mailbox. Every one is category `oauth` (exit 7: the account is not connected),
 * except the provider's own outages, which are `server`.
 */
function explain(code: string, p: string, stage: OAuthStage): Explanation {
  switch (code) {
    case "access_denied":
      return {
        message: `The ${p} sign-in was cancelled or refused (access_denied): no permission was granted`,
        fix:
          `Run the command again and click Allow (or Continue) on the ${p} consent page. ` +
          `If ${p} said access was blocked, the organisation's OAuth app does not allow this account yet.`,
      };
    case "redirect_uri_mismatch":
      return {
        message: `${p} refused the loopback redirect address (redirect_uri_mismatch)`,
        fix: "The OAuth client is not registered for a loopback redirect on this computer.",
      };
    case "invalid_client":
      return {
        message: `${p} does not accept the OAuth client: the client id is unknown or the client secret is wrong (invalid_client)`,
        fix: "Copy the client id and secret again from where the OAuth client was created, then run the command again.",
      };
    case "unauthorized_client":
      return {
        message: `The OAuth client is not allowed to use this sign-in flow (unauthorized_client)`,
        fix: "Check the client's type and settings where it was created.",
      };
    case "invalid_scope":
      return {
        message: `${p} refused the requested permissions (invalid_scope)`,
        fix: "Add the mail-sending permission to the OAuth consent screen of the client, then run the command again.",
      };
    case "invalid_grant":
      return stage === "refresh"
        ? {
            message: `The saved ${p} connection no longer works: the refresh token has expired or been revoked (invalid_grant)`,
            fix: "Connect the account again.",
          }
        : {
            message: `${p} refused the sign-in code (invalid_grant): it expired, was used already, or the PKCE check failed`,
            fix: "Run the command again and finish the sign-in within a few minutes.",
          };
    case "state_mismatch":
      return {
        message: `The answer from the ${p} sign-in does not belong to this attempt (the state value did not come back unchanged), so it was refused`,
        fix: "Close old sign-in tabs and run the command again; use the address it prints this time.",
      };
    case "timeout":
      return {
        message: `No answer from the ${p} sign-in arrived in time`,
        fix:
          "Run the command again and finish the sign-in in the browser. If the browser showed an error page instead " +
          "(redirect_uri_mismatch, invalid_client, access blocked), fix that first. On a machine without a browser, " +
          "use --no-browser and paste the address the browser lands on.",
      };
    case "server_error":
    case "temporarily_unavailable":
      return {
        message: `${p} could not complete the sign-in just now (${code})`,
        fix: "Wait a minute and run the command again.",
        category: "server",
      };
    default:
      return {
        message: `${p} refused the ${stage === "refresh" ? "token refresh" : "sign-in"} (${code})`,
        fix: "Read the evidence below, fix the OAuth client or account, and run the command again.",
      };
  }
}

/** A classified MailError for an OAuth error code from the redirect or the token endpoint. */
export function oauthFailure(code: string, description: string | undefined, c: OAuthErrorContext, cause?: unknown): MailError {
  const evidence = redact(`${c.stage}: ${code}${description ? `: ${description}` : ""}`, c.secrets ?? []);
  const d = c.detail?.(code, description, c.stage);
  const e: Explanation = d ?? explain(code, c.provider, c.stage);
  const advice = d ? undefined : (c.advice?.[`${c.stage}:${code}`] ?? c.advice?.[code]);
  const fix = [e.fix, advice].filter(Boolean).join(" ");
  return new MailError(e.category ?? "oauth", `${e.message.replace(/\.$/, "")}.`, {
    hint: fix,
    evidence,
    code: d?.code ?? code,
    provider: c.provider,
    ...(c.reconnect ? { next: c.reconnect } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}
