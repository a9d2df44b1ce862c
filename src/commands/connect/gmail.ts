import type { Context } from "../../context.js";
import type { ConnectGmailInput } from "../../cli/connect-gmail.js";
import { DEFAULT_CONSENT_TIMEOUT_MS } from "../../oauth/defaults.js";
import { connectCommandFor, gmailFlow, type GmailFlags } from "../../senders/gmail.js";
import { connectAndSave } from "./flow.js";
import { parseOwner, parseTimeoutSeconds, type CommandResult } from "../shared.js";

const USAGE = "mailcfg connect-gmail company|user <id> [--client-id <id>] [--no-browser] [--timeout <s>] [--json]";

/** Sign in, read the address, send a test mail to it, then save; any failure saves nothing. */
export async function runConnectGmail(ctx: Context, input: ConnectGmailInput): Promise<CommandResult> {
  const owner = parseOwner(input.target, input.id, USAGE);
  const flags: GmailFlags = {
    type: "gmail",
    clientSecretStdin: input.clientSecretStdin,
    browser: input.browser,
    consentTimeoutMs: parseTimeoutSeconds(input.timeout, DEFAULT_CONSENT_TIMEOUT_MS / 1000),
    ...(input.clientId ? { clientId: input.clientId } : {}),
  };
  return connectAndSave(ctx, {
    owner,
    json: input.json,
    heading: "Connecting a Gmail account",
    reconnect: connectCommandFor(owner),
    signIn: (existing) => gmailFlow.collect(ctx, flags, existing?.type === "gmail" ? { settings: existing } : undefined, owner),
    connected: (p) => `Connected the Google account ${p.email}.`,
    via: () => "the Gmail API",
  });
}
