import type { Owner, ProviderSettings } from "../config/types.js";
import { ownerArgs } from "../config/types.js";
import { isExchangeOnlineUrl } from "../config/exchange-fields.js";
import { isMicrosoftHost } from "./presets.js";

/** A Microsoft 365 profile still signing in with a password, and the command that moves it to OAuth. */
export interface BasicAuthNote {
  /** One line for status and diagnose, ending with the command. */
  note: string;
  /** `mailcfg connect-microsoft company|user <id>`. */
  command: string;
}

/**
 * Marks a Microsoft 365 profile that signs in with a password: SMTP to
 * smtp.office365.com (or outlook.com) with basic authentication, which Microsoft
 * disables by default for existing tenants from the end of December 2026 (MC786329)
 * and removes later, or EWS with a password to Exchange Online, which already fails.
 * Undefined for every other profile. Pure: loads no transport.
 */
export function basicAuthNote(owner: Owner, s: ProviderSettings): BasicAuthNote | undefined {
  const command = `mailcfg connect-microsoft ${ownerArgs(owner)}`;
  if (s.type === "webmail" && isMicrosoftHost(s.host) && (s.auth ?? "password") === "password") {
    return {
      command,
      note:
        "Microsoft 365 with a password: basic authentication, disabled by default from the end of December 2026 " +
        `(MC786329) and removed later. Move it to OAuth: ${command}`,
    };
  }
  if (s.type === "exchange" && isExchangeOnlineUrl(s.ewsUrl)) {
    return {
      command,
      note:
        "Exchange Online no longer accepts passwords over EWS (since 2022) and switches EWS off from 2026-10-01. " +
        `Move this sender to SMTP with OAuth: ${command}`,
    };
  }
  return undefined;
}
