import type { Context } from "../../context.js";
import type { Owner, Profile } from "../../config/types.js";
import type { ConnectMicrosoftInput } from "../../cli/connect-microsoft.js";
import { ownerLabel, secretKey, secretKindFor } from "../../config/types.js";
import { MailError, UsageError } from "../../errors.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../../oauth/defaults.js";
import { collectMicrosoftOAuth, connectMicrosoftCommandFor, type MicrosoftFlags } from "../../senders/microsoft-oauth.js";
import { connectAndSave } from "./flow.js";
import { describeSettings } from "../../senders/describe.js";
import { parseOwner, parseTimeoutSeconds, readCaFiles, type CommandResult } from "../shared.js";

const USAGE =
  "mailcfg connect-microsoft company|user <id> [--via smtp|graph] [--send-only] [--device-code] [--tenant <t>] [--client-id <id>] [--no-browser] [--timeout <s>] [--json]";

/** The owner, and the sign-in flags checked together: a usage error names the problem. */
function checkInput(input: ConnectMicrosoftInput): { owner: Owner; flags: MicrosoftFlags } {
  const owner = parseOwner(input.target, input.id, USAGE);
  const consentTimeoutMs = parseTimeoutSeconds(input.timeout, DEFAULT_CONSENT_TIMEOUT_MS / 1000);
  const via = input.via;
  if (via !== undefined && via !== "smtp" && via !== "graph") throw new UsageError(`--via: "${via}" is not smtp or graph.`, `Usage: ${USAGE}`);
  if (input.sendOnly && via !== "graph") {
    throw new UsageError("--send-only goes with --via graph (it asks Microsoft Graph for Mail.Send alone).", `Usage: ${USAGE}`);
  }
  if (input.deviceCode && !input.browser) {
    throw new UsageError("--device-code and --no-browser are two different sign-ins: give one of them.", `Usage: ${USAGE}`);
  }
  const flags: MicrosoftFlags = {
    type: "webmail",
    browser: input.browser,
    consentTimeoutMs,
    sendOnly: input.sendOnly,
    deviceCode: input.deviceCode,
    ...(via ? { via } : {}),
    ...(input.clientId ? { clientId: input.clientId } : {}),
    ...(input.tenant ? { tenant: input.tenant } : {}),
  };
  return { owner, flags };
}

/**
 * Sign in, read the address, send a test mail to it (over SMTP or Graph), then save;
 * any failure saves nothing. Moving a profile off a password (Exchange Online over EWS,
 * Microsoft 365 SMTP with a password) keeps its owner and address: the new sign-in must
 * be the same mailbox, and the old profile and password stay until the new one validated.
 */
export async function runConnectMicrosoft(ctx: Context, input: ConnectMicrosoftInput): Promise<CommandResult> {
  const { owner, flags } = checkInput(input);
  const ca = readCaFiles(input.ca);
  const existing = (await ctx.config()).getProfile(owner);
  const moving = existing && secretKindFor(existing) === "password" ? existing : undefined;
  const via = flags.via ?? (existing?.type === "webmail" && existing.transport === "graph" ? "graph" : "smtp");
  const reconnect = connectMicrosoftCommandFor(owner, via, { sendOnly: input.sendOnly, deviceCode: input.deviceCode });

  const result = await connectAndSave(ctx, {
    owner,
    json: input.json,
    heading: moving ? `Moving ${moving.email} to a Microsoft sign-in` : "Connecting a Microsoft 365 mailbox",
    reconnect,
    signIn: async (prev) => {
      const collected = await collectMicrosoftOAuth(ctx, flags, prev?.type === "webmail" ? { settings: prev } : undefined, owner);
      if (moving && collected.settings.email.toLowerCase() !== moving.email.toLowerCase()) throw otherMailbox(owner, moving, collected.settings.email, reconnect);
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
      await (await ctx.secrets()).delete(secretKey(owner, "password"));
    } catch {
      // The move itself is done and saved; a password left behind is unused.
      removed = false;
    }
    if (result.data) result.data.movedFrom = from;
    if (!input.json) {
      const what = removed ? "its password was removed from the secret store" : "its old password could not be removed from the secret store (it is no longer used)";
      ctx.io.out.write(`${ctx.theme.ok("✓")} Moved the ${ownerLabel(owner)} off ${from}; ${what}.\n`);
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
