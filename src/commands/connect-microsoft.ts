import { Command } from "commander";
import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../oauth/defaults.js";
import { collectMicrosoftOAuth, connectMicrosoftCommandFor, type MicrosoftFlags } from "./setup-microsoft.js";
import { connectAndSave } from "./connect-flow.js";
import { collect, parseOwner, parseTimeoutSeconds, readCaFiles, type CommandResult } from "./shared.js";

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

export function connectMicrosoftCommand(ctx: Context, done: (r: CommandResult) => void, run = runConnectMicrosoft): Command {
  return new Command("connect-microsoft")
    .description("connect a Microsoft 365 mailbox with a Microsoft sign-in (SMTP with OAuth); a test mail is sent before saving")
    .argument("[target]", "company, or user")
    .argument("[id]", "the user id, with user")
    .option("--tenant <tenant>", "the Entra tenant: Directory (tenant) ID, a domain, or organizations (default; or the microsoft-tenant setting)")
    .option("--client-id <id>", "the Application (client) ID of the organisation's Entra app registration; default: the microsoft-client-id setting")
    .option("--no-browser", "open no browser: print the sign-in address and paste back the address the browser lands on")
    .option("--timeout <seconds>", "how long to wait for the sign-in (default 300)")
    .option("--ca <file>", "trust this CA certificate (PEM) too for the SMTP server; repeatable", collect)
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
The sign-in answers on http://localhost:<random port> with PKCE (listening on loopback
only). Without a desktop (over SSH, or no DISPLAY) or with --no-browser, the address is
printed: open it on any computer, sign in, and paste back the whole address the browser
lands on (the page itself may fail to load; its address still carries the answer).

The app registration is a public client (no secret): redirect URI http://localhost under
"Mobile and desktop applications", "Allow public client flows" on, delegated permission
Office 365 Exchange Online SMTP.Send with consent. SMTP AUTH must be enabled for the
mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false).

Mail goes through smtp.office365.com:587 with STARTTLS and XOAUTH2. The refresh token is
kept in the secret store only (never in config.json); Microsoft replaces it as it is used,
and every new one is saved. Nothing is saved unless the test mail to the mailbox's own
address is sent.

Test rigs: MAILCFG_MICROSOFT_AUTH_URL, MAILCFG_MICROSOFT_TOKEN_URL ({tenant} is filled in;
https, or http on loopback only) and MAILCFG_MICROSOFT_SMTP_HOST (host or host:port).

Examples:
  $ mailcfg config set microsoft-client-id 11111111-2222-3333-4444-555555555555
  $ mailcfg connect-microsoft company --tenant contoso.onmicrosoft.com
  $ mailcfg connect-microsoft user jdoe --no-browser           # over SSH
  $ mailcfg connect-microsoft company --client-id 11111111-2222-3333-4444-555555555555 --json`,
    )
    .action(async (target: string | undefined, id: string | undefined, raw: Record<string, unknown>) => {
      const owner = parseOwner(target, id, USAGE);
      done(await run(ctx, toConnectMicrosoftOptions(owner, raw)));
    });
}

export function toConnectMicrosoftOptions(owner: Owner, raw: Record<string, unknown>): ConnectMicrosoftOptions {
  const opts: ConnectMicrosoftOptions = {
    owner,
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
