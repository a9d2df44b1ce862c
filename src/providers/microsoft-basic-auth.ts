import type { ExchangeSettings, Owner, ProviderSettings, WebmailSettings } from "../config/types.js";
import { senderKind, type SenderKind } from "../config/sender-kinds.js";
import { ownerArgs } from "../config/types.js";
import { isExchangeOnlineUrl } from "../config/exchange-fields.js";
import { isMicrosoftHost } from "./presets.js";

/** A Microsoft 365 profile still signing in with a password, and the command that moves it to OAuth. */
export interface BasicAuthNote {
  /** One line for status and diagnose, ending with the command. */
  note: string;
  /** `mailcfg connect-microsoft company|user <id> --via graph`: keeps the owner and the address. */
  command: string;
  /** The other move that works for this profile, when there is one (`... --via smtp`). */
  alternative?: string;
}

type Note = (owner: Owner, s: ProviderSettings) => BasicAuthNote | undefined;

const moveCommand = (owner: Owner, via: "graph" | "smtp") => `mailcfg connect-microsoft ${ownerArgs(owner)} --via ${via}`;

/**
 * The deprecation note of each kind of sender that has one (Microsoft 365 with a
 * password): SMTP to smtp.office365.com (or outlook.com) with basic authentication,
 * which Microsoft disables by default for existing tenants from the end of December 2026
 * (MC786329) and removes later; EWS with a password to Exchange Online, which already fails.
 */
const DEPRECATED: Partial<Record<SenderKind, Note>> = {
  smtp: (owner, settings) => {
    const s = settings as WebmailSettings;
    if (!isMicrosoftHost(s.host)) return undefined;
    // SMTP AUTH is evidently on for this mailbox, so SMTP with OAuth is a move too; Graph needs neither.
    const command = moveCommand(owner, "graph");
    const alternative = moveCommand(owner, "smtp");
    return {
      command,
      alternative,
      note:
        "Microsoft 365 with a password: basic authentication, disabled by default from the end of December 2026 " +
        `(MC786329) and removed later. Move it (same sender, same address) to Microsoft Graph: ${command} (or SMTP with OAuth: ${alternative})`,
    };
  },
  exchange: (owner, settings) => {
    if (!isExchangeOnlineUrl((settings as ExchangeSettings).ewsUrl)) return undefined;
    const command = moveCommand(owner, "graph");
    return {
      command,
      note:
        "Exchange Online no longer accepts passwords over EWS (since 2022) and switches EWS off tenant by tenant from 2026-10-01, " +
        `for good on 2027-04-01. Move this sender (same address) to Microsoft Graph: ${command}`,
    };
  },
};

/** The note for a Microsoft 365 profile that signs in with a password; undefined for every other. Pure: loads no transport. */
export function basicAuthNote(owner: Owner, s: ProviderSettings): BasicAuthNote | undefined {
  return DEPRECATED[senderKind(s)]?.(owner, s);
}
