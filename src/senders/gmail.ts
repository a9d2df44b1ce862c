import type { Context } from "../context.js";
import type { GmailSettings, Owner } from "../config/types.js";
import { ownerArgs, secretKey } from "../config/types.js";
import { UsageError } from "../errors.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../oauth/defaults.js";
import { readLine } from "../oauth/lines.js";
import {
  decodeGoogleCredential,
  encodeGoogleCredential,
  exchangeGoogleCode,
  googleClientConfig,
  googleEndpoints,
} from "../oauth/google.js";
import type { Collected, ProviderFlags, SetupFlow } from "./flow.js";
import { progress } from "./input.js";

/** The flags of connect-gmail (and of setup --type gmail). */
export interface GmailFlags extends ProviderFlags {
  clientId?: string;
  clientSecretStdin?: boolean;
  /** false with --no-browser. */
  browser?: boolean;
  /** How long to wait for the Google sign-in. */
  consentTimeoutMs?: number;
}

/**
 * Email Services (Gmail): "collecting" the settings is the Google sign-in itself. It
 * yields the account's address and the credential to save; validation (a test mail
 * through the Gmail API) and saving are the caller's, so nothing is saved on failure.
 */
export const gmailFlow: SetupFlow = {
  type: "gmail",
  label: "Email Services (Gmail, connect with Google)",
  collect: collectGmail,
};

export function connectCommandFor(owner: Owner): string {
  return `mailcfg connect-gmail ${ownerArgs(owner)}`;
}

async function collectGmail(ctx: Context, f: ProviderFlags, previous: Partial<Collected> | undefined, owner?: Owner): Promise<Collected> {
  if (!owner) {
    throw new UsageError("A Gmail account is connected with a Google sign-in, not validated ad hoc.", "Run: mailcfg connect-gmail company|user <id>");
  }
  const flags = f as GmailFlags;
  const endpoints = googleEndpoints(ctx.env);
  const config = await ctx.config();
  const settings = config.settings();
  const prev = previous?.settings?.type === "gmail" ? previous.settings : undefined;
  const clientId = await resolveClientId(ctx, flags, settings["google-client-id"], prev?.clientId);
  const clientSecret = await resolveClientSecret(ctx, flags, clientId, owner);
  const reconnect = connectCommandFor(owner);
  const timeoutMs = settings["connect-timeout-seconds"] * 1000;

  // The loopback listener (node:http) is loaded only when a sign-in starts.
  const { authorize } = await import("../oauth/loopback.js");
  const grant = await authorize(ctx, googleClientConfig(clientId, clientSecret, endpoints), {
    browser: flags.browser !== false,
    timeoutMs: flags.consentTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS,
    reconnect,
  });
  progress(ctx, "exchanging the sign-in code for tokens");
  const conn = await exchangeGoogleCode({ clientId, clientSecret, endpoints, timeoutMs }, grant, reconnect);
  const gmail: GmailSettings = { type: "gmail", email: conn.email, clientId, connectedAt: ctx.now().toISOString() };
  return { settings: gmail, secret: encodeGoogleCredential({ refreshToken: conn.refreshToken, clientSecret }) };
}

const CLIENT_ID_HINT =
  "Give --client-id (the Desktop app client of Google Cloud, e.g. 1234-abc.apps.googleusercontent.com), or save it once: mailcfg config set google-client-id <id>.";

export function checkClientId(value: string, field: string): string {
  const v = value.trim();
  // A client secret pasted by mistake would otherwise end up in shell history and the config.
  if (/^GOCSPX-/.test(v)) throw new UsageError(`${field}: that is a client secret, not a client id.`, CLIENT_ID_HINT);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(v)) {
    throw new UsageError(`${field}: "${v.slice(0, 80)}" is not an OAuth client id.`, CLIENT_ID_HINT);
  }
  return v;
}

async function resolveClientId(ctx: Context, f: GmailFlags, saved: string | undefined, previous: string | undefined): Promise<string> {
  if (f.clientId) return checkClientId(f.clientId, "--client-id");
  if (saved) return checkClientId(saved, "the google-client-id setting");
  if (previous) return previous;
  if (!ctx.io.canPrompt) throw new UsageError("Missing --client-id: the organisation's Google OAuth client id.", CLIENT_ID_HINT);
  const v = await ctx.prompt.text({
    message: "Google OAuth client id (Desktop app)",
    validate: (x) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(x.trim()) && !/^GOCSPX-/.test(x.trim()) ? true : "Paste the client id, e.g. 1234-abc.apps.googleusercontent.com"),
  });
  return checkClientId(v, "client id");
}

/**
 * The client secret: --client-secret-stdin (first line), MAILCFG_GOOGLE_CLIENT_SECRET,
 * the one saved with an earlier connection of the same client id, or a hidden prompt.
 * It is saved in the secret store with the connection's refresh token, never in config.
 */
async function resolveClientSecret(ctx: Context, f: GmailFlags, clientId: string, owner: Owner): Promise<string> {
  if (f.clientSecretStdin) {
    if (ctx.io.stdinIsTTY) {
      throw new UsageError("--client-secret-stdin needs the secret piped in, e.g. printf '%s\\n' \"$SECRET\" | mailcfg connect-gmail ...");
    }
    const line = (await readLine(ctx.io.stdin))?.trim();
    if (!line) throw new UsageError("--client-secret-stdin: standard input was empty.");
    return line;
  }
  const fromEnv = ctx.env.MAILCFG_GOOGLE_CLIENT_SECRET?.trim();
  if (fromEnv) return fromEnv;
  const saved = await savedClientSecret(ctx, clientId, owner);
  if (saved) return saved;
  if (ctx.io.canPrompt) {
    return ctx.prompt.password({
      message: "OAuth client secret of that client",
      validate: (v) => (v.trim().length > 0 ? true : "The client secret cannot be empty."),
    });
  }
  throw new UsageError(
    `No client secret for the Google OAuth client ${clientId}.`,
    "Pipe it with --client-secret-stdin or set MAILCFG_GOOGLE_CLIENT_SECRET (never a flag value). It is saved with the connection, so later connects with the same client id do not need it again.",
  );
}

/** The secret saved with a Gmail connection of the same client id: this owner's first, then any. */
async function savedClientSecret(ctx: Context, clientId: string, owner: Owner): Promise<string | undefined> {
  const config = await ctx.config();
  const candidates = config
    .listProfiles()
    .filter(({ profile }) => profile.type === "gmail" && profile.clientId === clientId)
    .sort((a, b) => Number(sameOwner(b.owner, owner)) - Number(sameOwner(a.owner, owner)));
  if (candidates.length === 0) return undefined;
  const secrets = await ctx.secrets();
  for (const c of candidates) {
    const stored = await secrets.get(secretKey(c.owner, "refresh-token"));
    const clientSecret = stored ? decodeGoogleCredential(stored).clientSecret : undefined;
    if (clientSecret) return clientSecret;
  }
  return undefined;
}

function sameOwner(a: Owner, b: Owner): boolean {
  return a.kind === b.kind && (a.kind === "company" || (b.kind === "user" && a.id === b.id));
}
