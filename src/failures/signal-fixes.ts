/**
 * The wordings of the failure model's generic layer (signals.ts): the categories a code
 * can mean and one fix wording per kind of failure, shared by the code tables
 * (smtp-code-table.ts, client-code-table.ts). Data only.
 */
import type { Category } from "../errors.js";

export type SignalCategory = Extract<Category, "auth" | "server" | "ssl" | "rejected" | "oauth" | "domain">;

// ---------------------------------------------------------------------------
// Fixes shared by many codes: one wording per kind of failure.

export const FIX = {
  retry: ["Nothing to change: try again later (the queue retries it).", "If it keeps failing for hours, ask the mail provider whether the server has a problem."],
  login: [
    "Check the login name (usually the full email address) and type the password again.",
    "Gmail, Yahoo, iCloud and Microsoft accounts with two-step sign-in need an app password, not the account password.",
    "Check that the mailbox is allowed to send with SMTP login (Microsoft 365: Authenticated SMTP must be on).",
  ],
  authRequired: [
    "Turn authentication on and give the account's email address and password.",
    "Use the submission port (587 with STARTTLS, or 465 with SSL/TLS): port 25 often takes mail only for local mailboxes.",
  ],
  mechanism: [
    "Let the client choose the login method (LOGIN or PLAIN over TLS), or pick one the server offers.",
    "If the server offers no login method before encryption, turn on STARTTLS (587) or SSL/TLS (465).",
  ],
  appPassword: [
    "Use an app password (Gmail: https://myaccount.google.com/apppasswords) or connect with OAuth instead of the account password.",
    "If the provider requires a browser sign-in first, sign in to webmail once and confirm the security alert.",
  ],
  accountDisabled: ["Ask the mail administrator to enable the account (or the sign-in for it).", "Then validate again."],
  passwordChange: ["Sign in to webmail and change or confirm the password as asked.", "Then type the new password again in mailcfg."],
  tlsRequired: [
    "Turn encryption on: STARTTLS on port 587, or SSL/TLS on port 465.",
    "Security setting and port go together: 587 = STARTTLS, 465 = SSL/TLS.",
  ],
  tlsProtocol: [
    "The two sides could not agree on TLS: check that the security setting matches the port (587 = STARTTLS, 465 = SSL/TLS).",
    "If the server only speaks an old TLS version or cipher, update the server; mailcfg needs TLS 1.2 or later.",
  ],
  certUntrusted: [
    "If the server uses a private or company CA, give its certificate: --ca <file> (or NODE_EXTRA_CA_CERTS).",
    "Otherwise ask the server's administrator to install the full certificate chain.",
  ],
  certName: [
    "Use the host name the certificate was issued for (for shared hosting often the provider's name, e.g. the server name in the hosting panel), not an IP address or an alias.",
  ],
  certDates: ["Check this computer's date and time.", "If the clock is right, the server's certificate has expired or is not valid yet: ask its administrator to renew it."],
  wrongServer: [
    "Check the outgoing server name and port (587 STARTTLS, 465 SSL/TLS) in the provider's documentation.",
    "Run mailcfg diagnose to see which stage fails.",
  ],
  unreachable: [
    "Check the outgoing server name and port, and that this computer can reach the internet.",
    "A firewall or antivirus may block outgoing mail ports (25, 465, 587): allow the port or use another one the provider offers.",
  ],
  dnsName: ["Check the spelling of the server name (or the EWS URL).", "Check that this computer's DNS works (try the name in a browser or with nslookup)."],
  recipient: ["Check the recipient's address for typos.", "If the address is right, the recipient's server refuses it: ask the recipient for another address."],
  sender: [
    "Send from the address the account owns (the login address), or get the right to send as this address.",
    "Check the sender's address for typos; its domain must exist.",
  ],
  mailbox: ["The recipient's mailbox cannot take mail now (full or disabled): tell the recipient another way, or send later."],
  size: ["Make the message smaller: fewer or smaller attachments (send a link instead).", "Providers count the encoded size: attachments grow by about a third."],
  recipients: ["Send to fewer recipients per message (split the list into smaller batches).", "Check the provider's limit on recipients per message and per day."],
  policy: [
    "The server refused the message by its policy: read the rest of the server's reply for the reason.",
    "Check that the sender is allowed to send through this server (relay), and that the content or attachments are not blocked.",
  ],
  senderAuth: [
    "Publish SPF and DKIM for the sender's domain, and align them with DMARC (ask whoever manages the domain's DNS).",
    "Send through the server that the domain's SPF record names.",
  ],
  content: ["Change the message: the server cannot take its format, encoding or content as it is.", "Send a plain message without the attachment to find out which part is refused."],
  routing: ["The recipient's domain could not be reached: check the domain part of the address.", "If it is right, the recipient's mail system has a problem: try again later or tell the recipient."],
  protocol: [
    "The server did not accept a command: often the port speaks another protocol or another security mode.",
    "Check the port and security setting (587 = STARTTLS, 465 = SSL/TLS), then run mailcfg diagnose.",
  ],
  reconnect: ["Connect the account again (mailcfg connect-microsoft or connect-gmail) so a new sign-in grants the access.", "If it keeps failing, ask the administrator to grant consent to the app."],
  ewsAuth: [
    "Check the user name (DOMAIN\\user or the full address, as the server expects) and type the password again.",
    "Exchange Online no longer takes a password for EWS: connect with Microsoft (mailcfg connect-microsoft).",
    "If the account is right, EWS may be turned off for it: ask the Exchange administrator.",
  ],
  ewsUrl: ["Check the EWS URL: it usually ends in /EWS/Exchange.asmx (https://mail.company.com/EWS/Exchange.asmx).", "Open it in a browser: it should ask for a login, not show 'not found'."],
} as const satisfies Record<string, readonly string[]>;

export type FixKey = keyof typeof FIX;
