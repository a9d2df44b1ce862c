import type { WebmailSettings } from "../config/types.js";
import type { Classification } from "../diagnosis/classify.js";

/**
 * What an SMTP login refusal means when the login was XOAUTH2 with a Microsoft access
 * token. The table's Microsoft rows speak of passwords; here the token was issued
 * moments ago, so a refusal is about the mailbox or the token's permission, not the
 * credentials typed. (Only the text and the profile are read: nothing is loaded.)
 */
export function refineXoauth2(c: Classification, text: string, s: WebmailSettings): Classification {
  const mailbox = s.email;
  const enableMailbox = `An Exchange administrator enables SMTP AUTH for the mailbox: Set-CASMailbox -Identity ${mailbox} -SmtpClientAuthenticationDisabled $false (it can take an hour to apply).`;
  const provider = "Microsoft 365";

  if (/SmtpClientAuthentication is disabled for the Tenant/i.test(text)) {
    return {
      ...c,
      provider,
      cause: "SMTP AUTH is turned off for the whole Microsoft 365 tenant; signing in with OAuth does not get past that switch.",
      fix: [
        enableMailbox + " The mailbox setting wins over the tenant's.",
        "Or, for every mailbox: Set-TransportConfig -SmtpClientAuthenticationDisabled $false.",
      ],
    };
  }
  if (/SmtpClientAuthentication is disabled for the Mailbox/i.test(text)) {
    return {
      ...c,
      provider,
      cause: `SMTP AUTH is turned off for the mailbox ${mailbox}; signing in with OAuth does not get past that switch.`,
      fix: [enableMailbox],
    };
  }
  if (/5\.7\.139/.test(text)) {
    return {
      ...c,
      provider,
      cause: "Microsoft 365 refused the OAuth login (5.7.139): a tenant policy blocks this sign-in for SMTP.",
      fix: [
        "An administrator checks the Entra sign-in logs for this mailbox (Conditional Access, Security Defaults).",
        enableMailbox,
      ],
    };
  }
  return {
    ...c,
    provider,
    cause:
      "Microsoft 365 refused the OAuth access token (535 5.7.3 Authentication unsuccessful). The token was just issued, " +
      "so SMTP AUTH is disabled for the mailbox (or the tenant), or the token does not carry the SMTP.Send permission.",
    fix: [
      enableMailbox,
      "Check that the app registration has the delegated API permission Office 365 Exchange Online > SMTP.Send and that consent was granted (API permissions > Grant admin consent).",
      "The profile's address must be the mailbox that signed in. After a change of permissions, connect the mailbox again (mailcfg connect-microsoft).",
    ],
  };
}
