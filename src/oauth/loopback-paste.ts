import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { oauthFailure, type OAuthErrorContext } from "./errors.js";
import { readLine } from "./lines.js";
import { interpretRedirect, pastedParams, type Answer } from "./redirect.js";

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
export async function takePastedAnswer(
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
