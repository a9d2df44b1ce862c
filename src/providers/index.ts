import type { SecretLock } from "../oauth/access-tokens.js";
import type { ExchangeSettings, GmailSettings, ProviderSettings, WebmailSettings } from "../config/types.js";
import { senderKind, type SenderKind } from "../config/sender-kinds.js";
import { readCaFiles } from "../tls/ca-files.js";
import type { ConnectOptions, MailProvider } from "./types.js";
import { openEarlyConnection } from "./early-connection.js";

/** Everything a provider needs to connect. The secret is passed in, never read here. */
export interface ProviderRequest {
  settings: ProviderSettings;
  /** Password (webmail, exchange) or refresh token (OAuth profiles). */
  secret?: string;
  options: ConnectOptions;
  env: NodeJS.ProcessEnv;
  /**
   * Receives a replacement for `secret` when the provider is issued one (Microsoft
   * rotates refresh tokens); the caller stores it where the secret came from.
   */
  onSecretRotated?: (secret: string) => Promise<void>;
  /**
   * Runs a refresh that may rotate `secret` holding the config folder's lock, with the
   * secret as saved now: another process may have rotated it meanwhile.
   */
  secretLock?: SecretLock;
}

export type { SecretLock } from "../oauth/access-tokens.js";

/**
 * Builds the provider for a profile. Each transport is imported only here, on demand,
 * so commands that never send (help, route, status) never load nodemailer or the
 * Google and EWS clients.
 */
export async function createProvider(request: ProviderRequest): Promise<MailProvider> {
  const req = withSavedCaFiles(request);
  return LOADERS[senderKind(req.settings)](req);
}

/** How each kind of sender (config/sender-kinds.ts) gets its provider; each import happens only here. */
const LOADERS: Record<SenderKind, (req: ProviderRequest) => Promise<MailProvider>> = {
  smtp: async (req) => {
    const s = req.settings as WebmailSettings;
    // The connection opens while the SMTP code loads (see early-connection.ts).
    const early = req.options.connectEarly ? openEarlyConnection(s.host, s.port, req.options.timeoutMs) : undefined;
    try {
      const { createSmtpProvider } = await import("./smtp.js");
      return createSmtpProvider(s, req.secret, req.options, undefined, early);
    } catch (err) {
      early?.discard();
      throw err;
    }
  },
  "microsoft-smtp": async (req) => {
    const { createMicrosoftProvider } = await import("./microsoft-smtp.js");
    return createMicrosoftProvider(req.settings as WebmailSettings, req, req.options, req.env);
  },
  "microsoft-graph": async (req) => {
    const { createGraphProvider } = await import("./graph.js");
    return createGraphProvider(req.settings as WebmailSettings, req, req.options, req.env);
  },
  exchange: async (req) => {
    const { createExchangeProvider } = await import("./exchange.js");
    return createExchangeProvider(req.settings as ExchangeSettings, req.secret, req.options, req.env);
  },
  gmail: async (req) => {
    const { createGmailProvider } = await import("./gmail.js");
    return createGmailProvider(req.settings as GmailSettings, req.secret, req.options, req.env);
  },
};

/** --ca given now wins; otherwise the CA files saved with the profile at setup apply. */
function withSavedCaFiles(req: ProviderRequest): ProviderRequest {
  const saved = req.settings.caFiles;
  if (req.options.ca || !saved || saved.length === 0) return req;
  return { ...req, options: { ...req.options, ca: readCaFiles(saved) } };
}
