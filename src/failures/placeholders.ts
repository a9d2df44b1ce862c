import type { FailureFacts } from "./facts.js";

/** The values a row's words may name: {host}, {port}, {email}, {certName} ... */
export function placeholderValues(f: FailureFacts): Record<string, string> {
  const s = f.settings ?? {};
  const names = f.tls?.certNames ?? [];
  const v: Record<string, string> = Object.create(null) as Record<string, string>;
  v.host = s.host ?? "the server";
  v.port = s.port !== undefined ? String(s.port) : "the port";
  v.email = s.email ?? "the mailbox";
  v.username = s.username ?? s.email ?? "the login name";
  v.security = s.security ?? "the SSL setting";
  v.replyCode = f.replyCode !== undefined ? String(f.replyCode) : "an error";
  v.certName = names.find((n) => !n.startsWith("*")) ?? names[0] ?? "the certificate's name";
  v.certNames = names.length > 0 ? names.join(", ") : "another name";
  v.url = s.url ?? "the URL";
  v.login = s.login ?? s.username ?? "the account";
  v.responseCode = f.responseCode ?? "an error";
  v.httpStatus = f.httpStatus !== undefined ? String(f.httpStatus) : "an error";
  v.wwwAuthenticate = f.wwwAuthenticate ?? "another method";
  v.retryAfter = f.retryAfterSeconds !== undefined ? `; it asks to wait ${f.retryAfterSeconds} s` : "";
  v.signIn = f.signIn ?? "the sign-in provider";
  v.oauthError = f.oauthError ?? "an error";
  v.aadsts = f.aadsts !== undefined ? `AADSTS${f.aadsts}` : "AADSTS";
  v.worksPort = f.works ? String(f.works.port) : "another port";
  v.worksSecurity = f.works?.security ?? "another setting";
  return v;
}

/** Replaces {name} with its value; unknown names stay as written. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}
