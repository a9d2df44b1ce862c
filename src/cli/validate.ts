import { defineCommand, flag, type Input } from "./definition.js";
import { connectFlags, jsonFlag, providerFlags, targetArgs } from "./flags.js";

const args = targetArgs;

const flags = {
  all: flag.on("--all", "validate every saved profile"),
  to: flag.text("--to <address>", "send the test mail here instead of the profile's own address"),
  send: flag.off("--no-send", "connect and log in only; send no test mail"),
  ...jsonFlag,
  ...providerFlags,
  ...connectFlags,
};

export type ValidateInput = Input<typeof args, typeof flags>;

export const validate = defineCommand({
  name: "validate",
  summary: "log in and send a test mail",
  description: "validate saved profiles (or ad hoc settings) by logging in and sending a test mail",
  args,
  flags,
  help: `
Validating a saved profile records the result (see mailcfg status). Ad hoc settings
(--type with provider flags) are validated and nothing is saved.

Examples:
  $ mailcfg validate company
  $ mailcfg validate user jdoe --no-send
  $ mailcfg validate --all --json
  $ MAILCFG_PASSWORD=... mailcfg validate --type webmail --host smtp.acme.com --email a@acme.com`,
  load: async () => (await import("../commands/validate.js")).runValidate,
});
