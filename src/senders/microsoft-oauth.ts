import type { Context } from "../context.js";
import type { Owner, WebmailSettings } from "../config/types.js";
import { ownerArgs } from "../config/types.js";
import { UsageError } from "../errors.js";
import { checkHost, checkPort } from "../config/fields.js";
import { DEFAULT_TENANT, checkMicrosoftClientId, checkTenant } from "../config/microsoft-fields.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../oauth/defaults.js";
import {
  exchangeMicrosoftCode,
  graphOrigin,
  microsoftClientConfig,
  microsoftConnection,
  microsoftEndpoints,
  type MicrosoftConnection,
  type MicrosoftEndpoints,
  type MicrosoftTransport,
} from "../oauth/microsoft.js";
import type { OAuthClientConfig } from "../oauth/loopback.js";
import type { TokenRequestOptions } from "../oauth/token.js";
import type { Collected, ProviderFlags } from "./flow.js";
import { progress } from "./input.js";

/** The flags of connect-microsoft (and of setup --preset microsoft-oauth). */
export interface MicrosoftFlags extends ProviderFlags {
  clientId?: string;
  tenant?: string;
  /** false with --no-browser. */
  browser?: boolean;
  /** How long to wait for the Microsoft sign-in. */
  consentTimeoutMs?: number;
  /** How mail leaves: SMTP with XOAUTH2 (the default) or Microsoft Graph. */
  via?: MicrosoftTransport;
  /** Graph with Mail.Send alone (no drafts, so no messages over 4 MB). */
  sendOnly?: boolean;
  /** Sign in with a device code instead of the loopback redirect. */
  deviceCode?: boolean;
}

/** Where a Graph profile says it sends; the provider itself reads MAILCFG_GRAPH_URL when it sends. */
export const GRAPH_HOST = "graph.microsoft.com";

export const MICROSOFT_SMTP_HOST = "smtp.office365.com";
export const MICROSOFT_SMTP_PORT = 587;

export function connectMicrosoftCommandFor(owner: Owner, via?: MicrosoftTransport, extra: { sendOnly?: boolean; deviceCode?: boolean } = {}): string {
  return [`mailcfg connect-microsoft ${ownerArgs(owner)}`, via === "graph" ? "--via graph" : "", extra.sendOnly ? "--send-only" : "", extra.deviceCode ? "--device-code" : ""]
    .filter(Boolean)
    .join(" ");
}

/**
 * The SMTP server a connected mailbox sends through: smtp.office365.com:587, or
 * MAILCFG_MICROSOFT_SMTP_HOST ("host" or "host:port") for a test rig. The login is
 * always after STARTTLS, so the access token never crosses a network unencrypted.
 */
export function microsoftSmtpServer(env: NodeJS.ProcessEnv): { host: string; port: number } {
  const raw = env.MAILCFG_MICROSOFT_SMTP_HOST?.trim();
  if (!raw) return { host: MICROSOFT_SMTP_HOST, port: MICROSOFT_SMTP_PORT };
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(raw);
  if (!m?.[1]) throw new UsageError(`MAILCFG_MICROSOFT_SMTP_HOST: "${raw}" is not host or host:port.`, "Or unset it.");
  return {
    host: checkHost(m[1], "MAILCFG_MICROSOFT_SMTP_HOST"),
    port: m[2] ? checkPort(m[2], "MAILCFG_MICROSOFT_SMTP_HOST") : MICROSOFT_SMTP_PORT,
  };
}

/**
 * Microsoft 365 with OAuth: "collecting" the settings is the Microsoft sign-in itself
 * (authorization code with PKCE on http://localhost). It yields the mailbox address and
 * the refresh token; validation (a test mail over SMTP with XOAUTH2) and saving are the
 * caller's, so nothing is saved on failure.
 */
export async function collectMicrosoftOAuth(
  ctx: Context,
  f: ProviderFlags,
  previous: Partial<Collected> | undefined,
  owner: Owner | undefined,
): Promise<Collected> {
  if (!owner) {
    throw new UsageError(
      "A Microsoft 365 mailbox with OAuth is connected with a Microsoft sign-in, not validated ad hoc.",
      "Run: mailcfg connect-microsoft company|user <id>",
    );
  }
  const flags = f as MicrosoftFlags;
  const config = await ctx.config();
  const settings = config.settings();
  const p = previous?.settings;
  const prev = p?.type === "webmail" && p.auth === "oauth2-microsoft" ? p : undefined;

  // Connecting again keeps the transport of the earlier connection unless --via says otherwise.
  const via: MicrosoftTransport = flags.via ?? (prev?.transport === "graph" ? "graph" : "smtp");
  const server = via === "smtp" ? microsoftSmtpServer(ctx.env) : undefined;
  if (via === "graph") graphOrigin(ctx.env); // a bad MAILCFG_GRAPH_URL is refused before any sign-in

  const clientId = await resolveClientId(ctx, flags, settings["microsoft-client-id"], prev?.clientId);
  const tenant = await resolveTenant(ctx, flags, settings["microsoft-tenant"], prev?.tenant, clientId.asked);
  const reconnect = connectMicrosoftCommandFor(owner, via, { sendOnly: flags.sendOnly === true, deviceCode: flags.deviceCode === true });
  const endpoints = microsoftEndpoints(ctx.env, tenant);
  const client = microsoftClientConfig(clientId.value, endpoints, via, flags.sendOnly === true);
  const tokenOptions = { timeoutMs: settings["connect-timeout-seconds"] * 1000, reconnect };
  const conn = flags.deviceCode ? await signInWithDeviceCode(ctx, client, endpoints, tokenOptions, via) : await signInInBrowser(ctx, flags, client, tokenOptions, via);

  const common = {
    type: "webmail" as const,
    email: conn.email,
    auth: "oauth2-microsoft" as const,
    clientId: clientId.value,
    tenant: conn.tenantId ?? tenant,
    connectedAt: ctx.now().toISOString(),
  };
  const webmail: WebmailSettings = server
    ? { ...common, host: server.host, port: server.port, security: "starttls", transport: "smtp" }
    : { ...common, host: GRAPH_HOST, port: 443, security: "tls", transport: "graph" };
  return { settings: webmail, secret: conn.refreshToken };
}

/** The device-code sign-in: a code to type on another device, then polling for the tokens. */
async function signInWithDeviceCode(
  ctx: Context,
  client: OAuthClientConfig,
  endpoints: MicrosoftEndpoints,
  tokenOptions: TokenRequestOptions,
  via: MicrosoftTransport,
): Promise<MicrosoftConnection> {
  // Loaded only for this sign-in, like the loopback listener.
  const { printDeviceCode, pollDeviceToken, requestDeviceCode, withInterrupt } = await import("../oauth/device-code.js");
  const tokens = await withInterrupt(async (signal) => {
    const o = { ...tokenOptions, signal };
    const d = await requestDeviceCode(client, endpoints.deviceCodeUrl, o);
    printDeviceCode(ctx, client, d);
    return pollDeviceToken(client, d, o);
  });
  return microsoftConnection(tokens, tokenOptions, via);
}

/** The browser sign-in: authorization code with PKCE back to http://localhost, then the code for tokens. */
async function signInInBrowser(
  ctx: Context,
  flags: MicrosoftFlags,
  client: OAuthClientConfig,
  tokenOptions: TokenRequestOptions,
  via: MicrosoftTransport,
): Promise<MicrosoftConnection> {
  // The loopback listener (node:http) is loaded only when a sign-in starts.
  const { authorize } = await import("../oauth/loopback.js");
  const grant = await authorize(ctx, client, {
    browser: flags.browser !== false,
    timeoutMs: flags.consentTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS,
    reconnect: tokenOptions.reconnect,
  });
  progress(ctx, "exchanging the sign-in code for tokens");
  return exchangeMicrosoftCode(client, grant, tokenOptions, via);
}

const CLIENT_ID_MISSING =
  "Give --client-id (the Application (client) ID of the Entra app registration), or save it once: mailcfg config set microsoft-client-id <id>.";

async function resolveClientId(
  ctx: Context,
  f: MicrosoftFlags,
  saved: string | undefined,
  previous: string | undefined,
): Promise<{ value: string; asked: boolean }> {
  if (f.clientId) return { value: checkMicrosoftClientId(f.clientId, "--client-id"), asked: false };
  if (saved) return { value: checkMicrosoftClientId(saved, "the microsoft-client-id setting"), asked: false };
  if (previous) return { value: previous, asked: false };
  if (!ctx.io.canPrompt) throw new UsageError("Missing --client-id: the Entra app registration's Application (client) ID.", CLIENT_ID_MISSING);
  const v = await ctx.prompt.text({
    message: "Application (client) ID of the Entra app registration",
    validate: (x) => {
      try {
        checkMicrosoftClientId(x, "client id");
        return true;
      } catch {
        return "Paste the Application (client) ID from the app registration's Overview page (a GUID).";
      }
    },
  });
  return { value: checkMicrosoftClientId(v, "client id"), asked: true };
}

/** The tenant: --tenant, the setting, the one of the earlier connection, a question on first use, or organizations. */
async function resolveTenant(
  ctx: Context,
  f: MicrosoftFlags,
  saved: string | undefined,
  previous: string | undefined,
  firstUse: boolean,
): Promise<string> {
  if (f.tenant) return checkTenant(f.tenant, "--tenant");
  if (saved) return checkTenant(saved, "the microsoft-tenant setting");
  if (previous) return previous;
  if (!firstUse || !ctx.io.canPrompt) return DEFAULT_TENANT;
  const v = await ctx.prompt.text({
    message: "Directory (tenant) ID or domain (organizations for any work account)",
    default: DEFAULT_TENANT,
    validate: (x) => {
      try {
        checkTenant(x, "tenant");
        return true;
      } catch (err) {
        return err instanceof Error ? err.message : "Not a tenant.";
      }
    },
  });
  return checkTenant(v, "tenant");
}
