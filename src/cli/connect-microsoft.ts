import { defineCommand, flag, type Input } from "./definition.js";
import { jsonFlag, targetArgs } from "./flags.js";

const flags = {
  tenant: flag.text("--tenant <tenant>", "the Entra tenant: Directory (tenant) ID, a domain, or organizations (default; or the microsoft-tenant setting)"),
  clientId: flag.text("--client-id <id>", "the Application (client) ID of the organisation's Entra app registration; default: the microsoft-client-id setting"),
  via: flag.text("--via <transport>", "smtp (XOAUTH2 to smtp.office365.com; the default) or graph (Microsoft Graph sendMail); default when connecting again: as before"),
  sendOnly: flag.on("--send-only", "with --via graph: ask for Mail.Send alone (then messages over about 3 MB cannot be sent)"),
  deviceCode: flag.on("--device-code", "sign in with a code on any other device (https://microsoft.com/devicelogin): for SSH and CI"),
  browser: flag.off("--no-browser", "open no browser: print the sign-in address and paste back the address the browser lands on"),
  timeout: flag.text("--timeout <seconds>", "how long to wait for the sign-in (default 300)"),
  ca: flag.list("--ca <file>", "trust this CA certificate (PEM) too for the SMTP server; repeatable"),
  ...jsonFlag,
};

export type ConnectMicrosoftInput = Input<typeof targetArgs, typeof flags>;

export const connectMicrosoft = defineCommand({
  name: "connect-microsoft",
  summary: "connect Microsoft 365 with OAuth",
  description: "connect a Microsoft 365 mailbox with a Microsoft sign-in (SMTP or Microsoft Graph with OAuth); a test mail is sent before saving",
  args: targetArgs,
  flags,
  help: `
The sign-in answers on http://localhost:<random port> with PKCE (listening on loopback
only). Without a desktop (over SSH, or no DISPLAY) or with --no-browser, the address is
printed: open it on any computer, sign in, and paste back the whole address the browser
lands on (the page itself may fail to load; its address still carries the answer).

With --device-code, mailcfg prints a code and https://microsoft.com/devicelogin: open
it on any computer or phone, enter the code and sign in; mailcfg waits (Ctrl-C stops,
exit 130). A declined sign-in or an expired code exits 7 with the command to run again.
(Gmail has no such option: Google does not allow Gmail scopes with its device flow, so
connect-gmail keeps the loopback sign-in and its paste-back path.)

The app registration is a public client (no secret): redirect URI http://localhost under
"Mobile and desktop applications", "Allow public client flows" on (also needed for
--device-code), and the delegated permissions with admin consent: for --via smtp,
Office 365 Exchange Online SMTP.Send, and SMTP AUTH enabled for the mailbox
(Set-CASMailbox -SmtpClientAuthenticationDisabled $false); for --via graph, Microsoft
Graph Mail.Send and Mail.ReadWrite (drafts and upload sessions for messages over 4 MB).

--via smtp sends through smtp.office365.com:587 with STARTTLS and XOAUTH2. --via graph
sends the same MIME message with Microsoft Graph (POST /me/sendMail; over 4 MB a draft,
upload sessions, then send), needs no SMTP AUTH, and survives the end of EWS and basic
authentication. A profile on a password (Exchange Online over EWS, or smtp.office365.com
with a password) is moved by connecting it: same owner and address, and the old profile
stays until the new one has sent its test mail. The refresh token is kept in the secret
store only (never in config.json); Microsoft replaces it as it is used, and every new one
is saved. Nothing is saved unless the test mail to the mailbox's own address is sent.

Test rigs: MAILCFG_MICROSOFT_AUTH_URL, MAILCFG_MICROSOFT_TOKEN_URL,
MAILCFG_MICROSOFT_DEVICE_CODE_URL ({tenant} is filled in), MAILCFG_GRAPH_URL (only the
origin is used; each https, or http on loopback only) and MAILCFG_MICROSOFT_SMTP_HOST.

Examples:
  $ mailcfg config set microsoft-client-id 11111111-2222-3333-4444-555555555555
  $ mailcfg config set microsoft-tenant contoso.onmicrosoft.com
  $ mailcfg connect-microsoft company --via graph
  $ mailcfg connect-microsoft user jdoe --via graph --device-code   # over SSH or in CI
  $ mailcfg connect-microsoft company --tenant contoso.onmicrosoft.com
  $ mailcfg connect-microsoft user jdoe --no-browser           # over SSH
  $ mailcfg connect-microsoft company --client-id 11111111-2222-3333-4444-555555555555 --json`,
  load: async () => (await import("../commands/connect/microsoft.js")).runConnectMicrosoft,
});
