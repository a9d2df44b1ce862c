import type { SecretLock } from "../oauth/access-tokens.js";
import type { ProviderSettings } from "../config/types.js";
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
  const s = req.settings;
  switch (s.type) {
    case "webmail": {
      if (s.auth === "oauth2-microsoft" && s.transport === "graph") {
        const { createGraphProvider } = await import("./graph.js");
        return createGraphProvider(s, req.secret, req.options, req.env, req.onSecretRotated, req.secretLock);
      }
      if (s.auth === "oauth2-microsoft") {
        const { createMicrosoftProvider } = await import("./microsoft.js");
        return createMicrosoftProvider(s, req.secret, req.options, req.env, req.onSecretRotated, req.secretLock);
      }
      const early = req.options.connectEarly ? openEarlyConnection(s.host, s.port, req.options.timeoutMs) : undefined;
      try {
        const { createSmtpProvider } = await import("./smtp.js");
        return createSmtpProvider(s, req.secret, req.options, undefined, early);
      } catch (err) {
        early?.discard();
        throw err;
      }
    }
    case "gmail": {
      const { createGmailProvider } = await import("./gmail.js");
      return createGmailProvider(s, req.secret, req.options, req.env);
    }
    case "exchange": {
      const { createExchangeProvider } = await import("./exchange.js");
      return createExchangeProvider(s, req.secret, req.options, req.env);
    }
  }
}

/** --ca given now wins; otherwise the CA files saved with the profile at setup apply. */
function withSavedCaFiles(req: ProviderRequest): ProviderRequest {
  const saved = req.settings.caFiles;
  if (req.options.ca || !saved || saved.length === 0) return req;
  return { ...req, options: { ...req.options, ca: readCaFiles(saved) } };
}
