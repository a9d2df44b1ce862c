import type { Owner, ProviderSettings } from "../config/types.js";
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

/**
 * Marks a Microsoft 365 profile that signs in with a password: SMTP to
 * smtp.office365.com (or outlook.com) with basic authentication, which Microsoft
 * disables by default for existing tenants from the end of December 2026 (MC786329)
 * and removes later, or EWS with a password to Exchange Online, which already fails.
 * Undefined for every other profile. Pure: loads no transport.
 */
export function basicAuthNote(owner: Owner, s: ProviderSettings): BasicAuthNote | undefined {
  const base = `mailcfg connect-microsoft ${ownerArgs(owner)}`;
  const command = `${base} --via graph`;
  if (s.type === "webmail" && isMicrosoftHost(s.host) && (s.auth ?? "password") === "password") {
    // SMTP AUTH is evidently on for this mailbox, so SMTP with OAuth is a move too; Graph needs neither.
    const alternative = `${base} --via smtp`;
    return {
      command,
      alternative,
      note:
        "Microsoft 365 with a password: basic authentication, disabled by default from the end of December 2026 " +
        `(MC786329) and removed later. Move it (same sender, same address) to Microsoft Graph: ${command} (or SMTP with OAuth: ${alternative})`,
    };
  }
  if (s.type === "exchange" && isExchangeOnlineUrl(s.ewsUrl)) {
    return {
      command,
      note:
        "Exchange Online no longer accepts passwords over EWS (since 2022) and switches EWS off tenant by tenant from 2026-10-01, " +
        `for good on 2027-04-01. Move this sender (same address) to Microsoft Graph: ${command}`,
    };
  }
  return undefined;
}
