import type { WebmailSettings } from "../config/types.js";
import { microsoftTokens, type SavedToken } from "./microsoft-tokens.js";
import { graphOrigin, hasScope } from "../oauth/microsoft.js";
import { GraphClient } from "./graph-client.js";
import { GRAPH_REQUEST_LIMIT, base64Length, mimeRequest, sendLarge } from "./graph-large.js";
import { composeMime } from "./mime.js";
import type { ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent } from "./types.js";


/**
 * Microsoft 365 through Microsoft Graph: the message is composed as for SMTP (same
 * Message-ID, headers, attachments) and sent as MIME with POST /me/sendMail. A message
 * over the request limit goes as a draft with its attachments added (graph-large.ts).
 * Access tokens come from the saved refresh token; rotated refresh tokens are handed to
 * `onSecretRotated` at once.
 */
export function createGraphProvider(s: WebmailSettings, saved: SavedToken, o: ConnectOptions, env: NodeJS.ProcessEnv): MailProvider {
  const { tokens, log, tokenUrl } = microsoftTokens(s, saved, o, env, "graph");
  const client = new GraphClient({ email: s.email, origin: graphOrigin(env), tokens, tokenUrl, timeoutMs: o.timeoutMs, log });
  return {
    type: "webmail",
    verify: () => verifyGraph(client),
    send: (mail) => sendGraph(client, mail),
    async close() {
      // Nothing to close: each call is one HTTPS request.
    },
  };
}

/** Refreshes the access token, which proves the connection and says what it may do. */
async function verifyGraph(client: GraphClient): Promise<Evidence> {
  client.log(`POST ${client.tokenUrl} grant_type=refresh_token`);
  const t = await client.token(true);
  const readWrite = hasScope(t.scope, "Mail.ReadWrite");
  return {
    summary:
      `Refreshed the Microsoft access token of ${client.email}; it may send with Microsoft Graph (Mail.Send` +
      `${readWrite ? ", Mail.ReadWrite for messages over 4 MB" : " only: messages up to about 3 MB"}).`,
    facts: { api: client.origin, auth: "OAuth 2 (Microsoft Graph)", scope: t.scope },
  };
}

/** One sendMail request when the message fits in it; otherwise draft, attachments, send. */
async function sendGraph(client: GraphClient, mail: OutgoingMail): Promise<Sent> {
  const composed = await composeMime(mail, client.email);
  const size = base64Length(composed.mime.length);
  if (size <= GRAPH_REQUEST_LIMIT) {
    await client.call({ op: "sendMail", method: "POST", path: "/v1.0/me/sendMail", ...mimeRequest(composed.mime), sends: true });
    client.log(`accepted (202), Message-ID ${composed.messageId}`);
    return { messageId: composed.messageId, accepted: composed.recipients, rejected: [], response: "Microsoft Graph accepted it (202)" };
  }
  client.log(`the message is ${size} bytes in base64, over the request limit: draft, attachments, send`);
  const sent = await sendLarge(client, { ...mail, messageId: mail.messageId ?? composed.messageId }, size);
  return { messageId: sent.messageId, accepted: sent.recipients, rejected: [], response: sent.response };
}
