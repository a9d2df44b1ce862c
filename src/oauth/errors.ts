import type { MailError } from "../errors.js";
import { redact } from "../diagnosis/redact.js";
import { classify } from "../failures/classify.js";
import { failureError } from "../failures/error.js";
import type { FailureFacts } from "../failures/facts.js";

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
}

/** A classified MailError for an OAuth error code from the redirect or the token endpoint. */
export function oauthFailure(code: string, description: string | undefined, c: OAuthErrorContext, cause?: unknown): MailError {
  const evidence = redact(`${c.stage}: ${code}${description ? `: ${description}` : ""}`, c.secrets ?? []);
  const facts: FailureFacts = { stage: "token", oauthStep: c.stage, oauthError: code, signIn: c.provider };
  const aadsts = /\bAADSTS(\d+)\b/.exec(description ?? "")?.[1];
  if (aadsts) facts.aadsts = Number(aadsts);
  const v = classify({ facts, text: `${code}: ${description ?? ""}` });
  // The provider's own advice for a standard code, when no more precise row (an AADSTS number) decided.
  const precise = v.rowId?.startsWith("aadsts-") === true;
  const advice = precise ? undefined : (c.advice?.[`${c.stage}:${code}`] ?? c.advice?.[code]);
  if (advice) v.fix = [...v.fix, advice];
  v.provider ??= c.provider;
  v.code = precise && aadsts ? `AADSTS${aadsts}` : code;
  return failureError(v, v.cause, {
    evidence,
    facts,
    ...(c.reconnect ? { next: c.reconnect } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}
