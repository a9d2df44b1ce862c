import { gmail as gmailApi, type gmail_v1 } from "@googleapis/gmail";
import type { OAuth2Client } from "google-auth-library";
import type { GmailSettings } from "../config/types.js";
import { MailError, NotConfiguredError } from "../errors.js";
import { errorText } from "../diagnosis/classify.js";
import { classify } from "../failures/classify.js";
import { failureError } from "../failures/error.js";
import type { FailureFacts } from "../failures/facts.js";
import { redact } from "../diagnosis/redact.js";
import {
  GMAIL_SEND_SCOPE,
  decodeGoogleCredential,
  googleAuthClient,
  googleEndpoints,
  googleTokenFailure,
} from "../oauth/google.js";
import { emailFromIdToken } from "../oauth/jwt.js";
import type { ConnectOptions, DeliveryCheck, Evidence, MailProvider, OutgoingMail, Sent, SendHooks } from "./types.js";
import { composeMime } from "./mime.js";
import { requestMaybeDelivered } from "./http-delivery.js";

/**
 * Email Services (Gmail): messages composed by nodemailer's MailComposer and sent with
 * the Gmail API (users.messages.send). The access token comes from the saved refresh
 * token and is refreshed whenever Google says it is no longer good.
 */
export async function createGmailProvider(
  s: GmailSettings,
  secret: string | undefined,
  o: ConnectOptions,
  env: NodeJS.ProcessEnv,
): Promise<MailProvider> {
  if (!secret) {
    throw new NotConfiguredError(`The Gmail connection of ${s.email} has no saved refresh token.`, "mailcfg connect-gmail company|user <id>");
  }
  const credential = decodeGoogleCredential(secret);
  const clientSecret = credential.clientSecret ?? env.MAILCFG_GOOGLE_CLIENT_SECRET;
  const endpoints = googleEndpoints(env);
  const auth = await googleAuthClient({
    clientId: s.clientId,
    ...(clientSecret ? { clientSecret } : {}),
    endpoints,
    timeoutMs: o.timeoutMs,
    refreshToken: credential.refreshToken,
  });
  const rootUrl = new URL(endpoints.gmailApiUrl).origin + "/";
  // The auth client is google-auth-library's; @googleapis/gmail types it against its own copy.
  const api = gmailApi({ version: "v1", auth: auth as never, rootUrl, timeout: o.timeoutMs });
  const c: GmailConnection = { s, auth, api, rootUrl, tokenUrl: endpoints.tokenUrl, saved: [credential.refreshToken, clientSecret], onLog: o.onLog };
  return {
    type: "gmail",
    verify: () => verifyGmail(c),
    send: (mail, hooks) => sendGmail(c, mail, hooks),
    findSent: (messageId) => findSentGmail(c, messageId),
    async close() {
      // Nothing to close: each call is one HTTPS request.
    },
  };
}

/** One Gmail account's API client and what its errors and log must mask. */
interface GmailConnection {
  s: GmailSettings;
  auth: OAuth2Client;
  api: gmail_v1.Gmail;
  rootUrl: string;
  tokenUrl: string;
  /** The saved secrets: refresh token and client secret. */
  saved: Array<string | undefined>;
  onLog: ConnectOptions["onLog"];
}

/** Every secret the connection holds now: the saved ones and the current access token. */
function secretsOf(c: GmailConnection): Array<string | undefined> {
  return [...c.saved, accessTokenOf(c.auth)];
}

function log(c: GmailConnection, line: string): void {
  c.onLog?.(redact(line, secretsOf(c)));
}

function tokenFailure(c: GmailConnection, err: unknown): MailError {
  return googleTokenFailure(err, "refresh", c.tokenUrl, secretsOf(c));
}

/** Refreshes the access token: proves the connection, names the account and checks gmail.send. */
async function verifyGmail(c: GmailConnection): Promise<Evidence> {
  const { s, auth } = c;
  log(c, `POST ${c.tokenUrl} grant_type=refresh_token`);
  try {
    await auth.refreshAccessToken();
  } catch (err) {
    throw tokenFailure(c, err);
  }
  const cred = auth.credentials;
  const scopes = (cred.scope ?? "").split(/\s+/).filter(Boolean);
  if (scopes.length > 0 && !scopes.includes(GMAIL_SEND_SCOPE)) {
    throw new MailError("oauth", `The Gmail connection of ${s.email} lacks the permission to send email (gmail.send).`, {
      hint: 'Connect the account again and tick "Send email on your behalf" on the Google consent page.',
      evidence: `granted scopes: ${scopes.join(" ")}`,
      provider: "Google",
      code: "scope_not_granted",
    });
  }
  const account = emailFromIdToken(cred.id_token) ?? s.email;
  log(c, `token refreshed for ${account}`);
  const other = account.toLowerCase() !== s.email.toLowerCase() ? ` (the profile says ${s.email})` : "";
  return {
    summary: `Refreshed the Google access token of ${account}${other}; it may send with the Gmail API.`,
    facts: { account, api: c.rootUrl, scope: scopes.join(" ") || GMAIL_SEND_SCOPE },
  };
}

async function sendGmail(c: GmailConnection, mail: OutgoingMail, hooks?: SendHooks): Promise<Sent> {
  const composed = await composeRaw(mail, c.s.email);
  log(c, `POST ${c.rootUrl}gmail/v1/users/me/messages/send (${composed.raw.length} bytes base64url)`);
  let id: string | undefined;
  let requested = false;
  try {
    // The token first, so a failure to get one is never taken for a send that may have happened.
    await c.auth.getAccessToken();
    await hooks?.beforeBody?.();
    requested = true;
    // { raw } as JSON: the media upload path would ignore rootUrl (and needs nothing we lack).
    const res = await c.api.users.messages.send({ userId: "me", requestBody: { raw: composed.raw } });
    id = res.data.id ?? undefined;
  } catch (err) {
    const e = gmailFailure(err, c.s, c.rootUrl, (cause) => tokenFailure(c, cause), secretsOf(c));
    if (requested && requestMaybeDelivered(err)) e.details.facts = { ...e.details.facts, maybeDelivered: true };
    throw e;
  }
  log(c, `accepted: Gmail message id ${id ?? "?"}`);
  return {
    messageId: composed.messageId,
    accepted: composed.recipients,
    rejected: [],
    response: `Gmail API accepted it as message ${id ?? "(no id)"}`,
  };
}

/** Looks in the sender's own mailbox (a read scope is needed; gmail.send alone cannot). */
async function findSentGmail(c: GmailConnection, messageId: string): Promise<DeliveryCheck> {
  const q = `rfc822msgid:${messageId.replace(/^<|>$/g, "")}`;
  log(c, `GET ${c.rootUrl}gmail/v1/users/me/messages?q=${q}`);
  try {
    const res = await c.api.users.messages.list({ userId: "me", q, maxResults: 1, includeSpamTrash: true });
    return { found: (res.data.messages ?? []).length > 0 };
  } catch (err) {
    const status = (err as { response?: { status?: number } }).response?.status;
    if (status === 403) {
      return { unknown: `the Gmail connection of ${c.s.email} may send but not read its mailbox (no gmail.readonly permission); connect it again with a read permission to have this checked` };
    }
    return { unknown: redact(`looking for it in ${c.s.email}'s mailbox failed: ${errorText(err)}`, secretsOf(c)) };
  }
}

function accessTokenOf(auth: { credentials: { access_token?: string | null } }): string | undefined {
  return auth.credentials.access_token ?? undefined;
}

/** The RFC 822 message, base64url as users.messages.send wants it; Bcc kept so Gmail delivers to it. */
export async function composeRaw(mail: OutgoingMail, account: string): Promise<{ raw: string; messageId: string; recipients: string[] }> {
  const { mime, messageId, recipients } = await composeMime(mail, account);
  return { raw: mime.toString("base64url"), messageId, recipients };
}

interface GoogleApiError {
  code?: number;
  message?: string;
  status?: string;
  errors?: Array<{ reason?: string; message?: string }>;
  details?: Array<{ reason?: string }>;
}

/**
 * Classifies a failed users.messages.send. A token-endpoint failure during the refresh
 * (invalid_grant) is an OAuth failure; the Gmail API's own answers are told apart by
 * status and reason; no answer at all is a network failure.
 */
export function gmailFailure(
  err: unknown,
  s: GmailSettings,
  rootUrl: string,
  tokenFailure: (err: unknown) => MailError,
  secrets: ReadonlyArray<string | undefined>,
): MailError {
  const res = (err as { response?: { status?: number; data?: unknown } }).response;
  const data = res?.data as { error?: unknown } | undefined;
  if (res && typeof data?.error === "string") return tokenFailure(err);
  const settings = { type: "gmail" as const, email: s.email };
  if (!res) {
    // No answer at all: a network failure on the way to the API.
    const text = redact(errorText(err), secrets);
    const facts: FailureFacts = { stage: "api", settings };
    const v = classify({ facts, text });
    return failureError(v, `Cannot reach the Gmail API at ${rootUrl}: ${v.cause}`, { evidence: text, facts, cause: err });
  }
  const status = res.status ?? 0;
  const e = (data?.error ?? {}) as GoogleApiError;
  const reasons = [...(e.errors ?? []).map((x) => x.reason), ...(e.details ?? []).map((x) => x.reason), e.status].filter(
    (x): x is string => typeof x === "string",
  );
  const message = e.message ?? `HTTP ${status}`;
  const evidence = redact(`Gmail API users.messages.send: HTTP ${status}${reasons.length ? ` ${reasons.join(", ")}` : ""}: ${message}`, secrets);
  const facts: FailureFacts = { stage: "api", httpStatus: status, settings, ...(reasons[0] ? { googleReason: reasons[0] } : {}) };
  const v = classify({ facts, text: evidence });
  return failureError(v, `${s.email}: ${v.cause}`, { evidence, facts, cause: err });
}
