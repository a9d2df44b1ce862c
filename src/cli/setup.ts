import { defineCommand, flag, type Input } from "./definition.js";
import { connectFlags, identityFlags, jsonFlag, providerFlags, targetArgs } from "./flags.js";

const flags = {
  to: flag.text("--to <address>", "send the test mail here instead of the profile's own address"),
  validate: flag.off("--no-validate", "save without validating (not recommended)"),
  discover: flag.pair(
    "--discover",
    "look up the server settings from --email (without a terminal: only trusted results fill missing flags)",
    "--no-discover",
    "do not look up the settings from the address; ask for them",
  ),
  ...jsonFlag,
  ...providerFlags,
  ...identityFlags,
  ...connectFlags,
};

export type SetupInput = Input<typeof targetArgs, typeof flags>;

export const setup = defineCommand({
  name: "setup",
  summary: "set up the Company or a User Email",
  description: "set up the Company Email or a User Email: enter, validate (test mail), then save",
  args: targetArgs,
  flags,
  help: `
The password is never a flag value: it comes from --password-stdin, MAILCFG_PASSWORD,
or a hidden prompt on a terminal. Nothing is saved unless validation passes.
On a terminal the wizard asks for the address first and looks up its settings (as
mailcfg discover does); settings given as flags win and are never looked up, unless
--discover is given (then only what the flags leave out is filled in).

On a profile that exists, setup starts from its saved values and saved password (kept
for the same server): give only what changes.

Examples:
  $ mailcfg setup company                                   # the wizard: address, password, confirm
  $ mailcfg setup company --no-discover                     # the wizard, asking for every setting
  $ mailcfg setup user jdoe --preset microsoft --email jdoe@acme.com
  $ mailcfg setup user jdoe --port 465 --security tls     # change two settings, keep the rest
  $ mailcfg setup company --name "Acme Sales" --signature-file sig.txt --signature-html-file sig.html
  $ printf %s "$PW" | mailcfg setup company --host smtp.acme.com --port 587 \\
      --security starttls --email sales@acme.com --password-stdin --json
  $ printf %s "$PW" | mailcfg setup user jdoe --type exchange --domain acme.com --username jdoe \\
      --ews-url https://mail.acme.com/EWS/Exchange.asmx --email jdoe@acme.com --password-stdin`,
  load: async () => (await import("../commands/setup.js")).runSetup,
});
