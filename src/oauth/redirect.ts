/**
 * What a sign-in's redirect says, read from its query (the browser's request to the
 * listener, or the address the user pasted): the code, an error, or nothing for this
 * attempt. The state is checked before anything else is believed.
 */

/** A sign-in's answer: the code, and how it arrived. */
export interface Answer {
  code: string;
  grantedScopes?: string[];
  via: "browser" | "pasted";
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
