import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import { MailError, UsageError } from "../errors.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../oauth/defaults.js";
import type { MicrosoftTransport } from "../oauth/microsoft.js";
import { collectMicrosoftOAuth, connectMicrosoftCommandFor, type MicrosoftFlags } from "../senders/microsoft.js";
import { connectAndSave } from "./connect-flow.js";
import { describeSettings } from "../senders/describe.js";
import { parseOwner, parseTimeoutSeconds, readCaFiles, type CommandResult } from "./shared.js";

export interface ConnectMicrosoftOptions {
  owner: Owner;
  clientId?: string;
  tenant?: string;
  browser: boolean;
  consentTimeoutMs: number;
  json: boolean;
  ca?: string[];
  /** Unset: the transport of the existing connection, else SMTP. */
  via?: MicrosoftTransport;
  sendOnly: boolean;
  deviceCode: boolean;
}

const USAGE =
  "mailcfg connect-microsoft company|user <id> [--via smtp|graph] [--send-only] [--device-code] [--tenant <t>] [--client-id <id>] [--no-browser] [--timeout <s>] [--json]";

/** Arguments and flags as commander gives them, checked; a usage error names the problem. */
export function toConnectMicrosoftOptions(target: string | undefined, id: string | undefined, raw: Record<string, unknown>): ConnectMicrosoftOptions {
  const opts: ConnectMicrosoftOptions = {
    owner: parseOwner(target, id, USAGE),
    browser: raw.browser !== false,
    consentTimeoutMs: parseTimeoutSeconds(typeof raw.timeout === "string" ? raw.timeout : undefined, DEFAULT_CONSENT_TIMEOUT_MS / 1000),
    json: raw.json === true,
    sendOnly: raw.sendOnly === true,
    deviceCode: raw.deviceCode === true,
  };
  if (typeof raw.via === "string") {
    if (raw.via !== "smtp" && raw.via !== "graph") throw new UsageError(`--via: "${raw.via}" is not smtp or graph.`, `Usage: ${USAGE}`);
    opts.via = raw.via;
  }
  if (opts.sendOnly && opts.via !== "graph") {
    throw new UsageError("--send-only goes with --via graph (it asks Microsoft Graph for Mail.Send alone).", `Usage: ${USAGE}`);
  }
  if (opts.deviceCode && raw.browser === false) {
    throw new UsageError("--device-code and --no-browser are two different sign-ins: give one of them.", `Usage: ${USAGE}`);
  }
  if (typeof raw.clientId === "string") opts.clientId = raw.clientId;
  if (typeof raw.tenant === "string") opts.tenant = raw.tenant;
  if (Array.isArray(raw.ca)) opts.ca = raw.ca as string[];
  return opts;
}

/**
 * Sign in, read the address, send a test mail to it (over SMTP or Graph), then save;
 * any failure saves nothing. Moving a profile off a password (Exchange Online over EWS,
 * Microsoft 365 SMTP with a password) keeps its owner and address: the new sign-in must
 * be the same mailbox, and the old profile and password stay until the new one validated.
 */
export async function runConnectMicrosoft(ctx: Context, opts: ConnectMicrosoftOptions): Promise<CommandResult> {
  const ca = readCaFiles(opts.ca);
  const flags: MicrosoftFlags = {
    type: "webmail",
    browser: opts.browser,
    consentTimeoutMs: opts.consentTimeoutMs,
    sendOnly: opts.sendOnly,
    deviceCode: opts.deviceCode,
    ...(opts.via ? { via: opts.via } : {}),
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    ...(opts.tenant ? { tenant: opts.tenant } : {}),
  };
  const existing = (await ctx.config()).getProfile(opts.owner);
  const moving = existing && secretKindFor(existing) === "password" ? existing : undefined;
  const via = opts.via ?? (existing?.type === "webmail" && existing.transport === "graph" ? "graph" : "smtp");
  const reconnect = connectMicrosoftCommandFor(opts.owner, via, { sendOnly: opts.sendOnly, deviceCode: opts.deviceCode });

  const result = await connectAndSave(ctx, {
    owner: opts.owner,
    json: opts.json,
    heading: moving ? `Moving ${moving.email} to a Microsoft sign-in` : "Connecting a Microsoft 365 mailbox",
    reconnect,
    signIn: async (prev) => {
      const collected = await collectMicrosoftOAuth(ctx, flags, prev?.type === "webmail" ? { settings: prev } : undefined, opts.owner);
      if (moving && collected.settings.email.toLowerCase() !== moving.email.toLowerCase()) throw otherMailbox(opts.owner, moving, collected.settings.email, reconnect);
      return collected;
    },
    ...(ca ? { ca } : {}),
    connected: (p) => `Connected the Microsoft 365 mailbox ${p.email}.`,
    via: (p) => viaWords(p),
  });

  if (moving) {
    // The new profile is saved and validated: the old password has nothing left to do.
    const from = describeSettings(moving);
    let removed = true;
    try {
      await (await ctx.secrets()).delete(secretKey(opts.owner, "password"));
    } catch {
      // The move itself is done and saved; a password left behind is unused.
      removed = false;
    }
    if (result.data) result.data.movedFrom = from;
    if (!opts.json) {
      const what = removed ? "its password was removed from the secret store" : "its old password could not be removed from the secret store (it is no longer used)";
      ctx.io.out.write(`${ctx.theme.ok("✓")} Moved the ${ownerLabel(opts.owner)} off ${from}; ${what}.\n`);
    }
  }
  return result;
}

function viaWords(p: Profile): string {
  if (p.type !== "webmail") return p.type;
  return p.transport === "graph" ? "Microsoft Graph with OAuth" : `${p.host}:${p.port} with OAuth`;
}

/** Moving keeps the routing: the same owner sends from the same address, so another mailbox is refused. */
function otherMailbox(owner: Owner, old: Profile, signedIn: string, reconnect: string): MailError {
  return new MailError("oauth", `Signed in as ${signedIn}, but the ${ownerLabel(owner)} sends as ${old.email}; nothing was changed.`, {
    hint: `Run the command again and sign in as ${old.email} (use another account in Microsoft's account picker), or remove the old profile first to connect another mailbox.`,
    provider: "Microsoft",
    code: "other_mailbox",
    next: reconnect,
  });
}
