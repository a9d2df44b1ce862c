import type { WebmailSettings } from "../config/types.js";
import { NotConfiguredError } from "../errors.js";
import { redact } from "../diagnosis/redact.js";
import { DEFAULT_TENANT } from "../config/microsoft-fields.js";
import { kindRow } from "../config/sender-kinds.js";
import { AccessTokens, type SecretLock, type SecretRotated } from "../oauth/access-tokens.js";
import { checkSendScope, microsoftClientConfig, microsoftEndpoints, type MicrosoftTransport } from "../oauth/microsoft.js";
import type { ConnectOptions } from "./types.js";

/** A saved refresh token, and how a replacement Microsoft issues is kept (see ProviderRequest). */
export interface SavedToken {
  secret?: string;
  onSecretRotated?: SecretRotated;
  secretLock?: SecretLock;
}

/**
 * The access tokens of a saved Microsoft 365 connection, for either transport (SMTP with
 * XOAUTH2, or Graph): the saved refresh token and the app registration checked first
 * (missing: connect again), each token checked for the transport's permission, and a
 * protocol log that masks every token the connection has held.
 */
export function microsoftTokens(
  s: WebmailSettings,
  { secret, onSecretRotated, secretLock }: SavedToken,
  o: ConnectOptions,
  env: NodeJS.ProcessEnv,
  via: MicrosoftTransport,
): { tokens: AccessTokens; log: (line: string) => void; tokenUrl: string } {
  const reconnect = kindRow(s).reconnect?.("company|user <id>") ?? "mailcfg connect-microsoft company|user <id>";
  if (!secret) throw new NotConfiguredError(`The Microsoft 365 connection of ${s.email} has no saved refresh token.`, reconnect);
  if (!s.clientId) throw new NotConfiguredError(`The Microsoft 365 profile of ${s.email} does not name its app registration (client id).`, reconnect);
  const client = microsoftClientConfig(s.clientId, microsoftEndpoints(env, s.tenant ?? DEFAULT_TENANT), via);
  const tokens = new AccessTokens(client, secret, o, onSecretRotated, (scope) => checkSendScope(scope, via, undefined), secretLock);
  return { tokens, log: (line) => o.onLog?.(redact(line, tokens.secrets())), tokenUrl: client.tokenUrl };
}
