import type { Context } from "../context.js";
import type { Owner } from "../config/types.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../oauth/defaults.js";
import { connectCommandFor, gmailFlow, type GmailFlags } from "../senders/gmail.js";
import { connectAndSave } from "./connect-flow.js";
import { parseOwner, parseTimeoutSeconds, type CommandResult } from "./shared.js";

export interface ConnectGmailOptions {
  owner: Owner;
  clientId?: string;
  clientSecretStdin: boolean;
  browser: boolean;
  consentTimeoutMs: number;
  json: boolean;
}

const USAGE = "mailcfg connect-gmail company|user <id> [--client-id <id>] [--no-browser] [--timeout <s>] [--json]";

/** Arguments and flags as commander gives them, checked; a usage error names the problem. */
export function toConnectGmailOptions(target: string | undefined, id: string | undefined, raw: Record<string, unknown>): ConnectGmailOptions {
  const opts: ConnectGmailOptions = {
    owner: parseOwner(target, id, USAGE),
    clientSecretStdin: raw.clientSecretStdin === true,
    browser: raw.browser !== false,
    consentTimeoutMs: parseTimeoutSeconds(typeof raw.timeout === "string" ? raw.timeout : undefined, DEFAULT_CONSENT_TIMEOUT_MS / 1000),
    json: raw.json === true,
  };
  if (typeof raw.clientId === "string") opts.clientId = raw.clientId;
  return opts;
}

/** Sign in, read the address, send a test mail to it, then save; any failure saves nothing. */
export async function runConnectGmail(ctx: Context, opts: ConnectGmailOptions): Promise<CommandResult> {
  const flags: GmailFlags = {
    type: "gmail",
    clientSecretStdin: opts.clientSecretStdin,
    browser: opts.browser,
    consentTimeoutMs: opts.consentTimeoutMs,
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
  };
  return connectAndSave(ctx, {
    owner: opts.owner,
    json: opts.json,
    heading: "Connecting a Gmail account",
    reconnect: connectCommandFor(opts.owner),
    signIn: (existing) => gmailFlow.collect(ctx, flags, existing?.type === "gmail" ? { settings: existing } : undefined, opts.owner),
    connected: (p) => `Connected the Google account ${p.email}.`,
    via: () => "the Gmail API",
  });
}
