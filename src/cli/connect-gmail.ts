import { defineCommand, flag, type Input } from "./definition.js";
import { jsonFlag, targetArgs } from "./flags.js";

const flags = {
  clientId: flag.text("--client-id <id>", "the organisation's Google OAuth client id (Desktop app); default: the google-client-id setting"),
  clientSecretStdin: flag.on("--client-secret-stdin", "read the OAuth client secret from the first line of standard input"),
  browser: flag.off("--no-browser", "open no browser: print the sign-in address and paste back the address the browser lands on"),
  timeout: flag.text("--timeout <seconds>", "how long to wait for the sign-in (default 300)"),
  ...jsonFlag,
};

export type ConnectGmailInput = Input<typeof targetArgs, typeof flags>;

export const connectGmail = defineCommand({
  name: "connect-gmail",
  summary: "connect Gmail with a Google sign-in",
  description: "connect a Gmail account (Email Services) with a Google sign-in; a test mail is sent before saving",
  args: targetArgs,
  flags,
  help: `
The sign-in answers on http://127.0.0.1:<random port> with PKCE. Without a desktop (over
SSH, or no DISPLAY) or with --no-browser, the address is printed: open it on any computer,
click Allow, and paste back the whole address the browser lands on (the page itself may
fail to load; its address still carries the answer). There is no --device-code here:
Google does not allow Gmail scopes with its device flow (connect-microsoft has one).

The client secret comes from --client-secret-stdin or MAILCFG_GOOGLE_CLIENT_SECRET, never
from a flag value. It is saved in the secret store with the connection's refresh token
(never in config.json), so later connects with the same client id need it no more.
Nothing is saved unless the test mail to the account's own address is sent.

Examples:
  $ mailcfg config set google-client-id 1234-abc.apps.googleusercontent.com
  $ MAILCFG_GOOGLE_CLIENT_SECRET=... mailcfg connect-gmail company
  $ mailcfg connect-gmail user jdoe --no-browser          # over SSH
  $ printf '%s\\n' "$SECRET" | mailcfg connect-gmail company --client-secret-stdin --json`,
  load: async () => (await import("../commands/connect/gmail.js")).runConnectGmail,
});
