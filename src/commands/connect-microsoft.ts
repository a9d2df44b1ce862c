import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../oauth/defaults.js";
import { collectMicrosoftOAuth, connectMicrosoftCommandFor, type MicrosoftFlags } from "./setup-microsoft.js";
import { connectAndSave } from "./connect-flow.js";
import { parseOwner, parseTimeoutSeconds, readCaFiles, type CommandResult } from "./shared.js";

export interface ConnectMicrosoftOptions {
  owner: Owner;
  clientId?: string;
  tenant?: string;
  browser: boolean;
  consentTimeoutMs: number;
  json: boolean;
  ca?: string[];
}

const USAGE = "mailcfg connect-microsoft company|user <id> [--tenant <t>] [--client-id <id>] [--no-browser] [--timeout <s>] [--json]";

/** Arguments and flags as commander gives them, checked; a usage error names the problem. */
export function toConnectMicrosoftOptions(target: string | undefined, id: string | undefined, raw: Record<string, unknown>): ConnectMicrosoftOptions {
  const opts: ConnectMicrosoftOptions = {
    owner: parseOwner(target, id, USAGE),
    browser: raw.browser !== false,
    consentTimeoutMs: parseTimeoutSeconds(typeof raw.timeout === "string" ? raw.timeout : undefined, DEFAULT_CONSENT_TIMEOUT_MS / 1000),
    json: raw.json === true,
  };
  if (typeof raw.clientId === "string") opts.clientId = raw.clientId;
  if (typeof raw.tenant === "string") opts.tenant = raw.tenant;
  if (Array.isArray(raw.ca)) opts.ca = raw.ca as string[];
  return opts;
}

/** Sign in, read the address, send a test mail to it over SMTP, then save; any failure saves nothing. */
export async function runConnectMicrosoft(ctx: Context, opts: ConnectMicrosoftOptions): Promise<CommandResult> {
  const ca = readCaFiles(opts.ca);
  const flags: MicrosoftFlags = {
    type: "webmail",
    browser: opts.browser,
    consentTimeoutMs: opts.consentTimeoutMs,
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    ...(opts.tenant ? { tenant: opts.tenant } : {}),
  };
  return connectAndSave(ctx, {
    owner: opts.owner,
    json: opts.json,
    heading: "Connecting a Microsoft 365 mailbox",
    reconnect: connectMicrosoftCommandFor(opts.owner),
    signIn: (existing) => collectMicrosoftOAuth(ctx, flags, existing?.type === "webmail" ? { settings: existing } : undefined, opts.owner),
    ...(ca ? { ca } : {}),
    connected: (p) => `Connected the Microsoft 365 mailbox ${p.email}.`,
    via: (p) => `${serverWords(p)} with OAuth`,
  });
}

function serverWords(p: Profile): string {
  return p.type === "webmail" ? `${p.host}:${p.port}` : p.type;
}
