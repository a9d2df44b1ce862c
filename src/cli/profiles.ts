import { arg, defineCommand, flag, type Input } from "./definition.js";
import { jsonFlag, targetArgs } from "./flags.js";

const removeArgs = targetArgs;
const removeFlags = {
  yes: flag.on("-y, --yes", "do not ask for confirmation (needed without a terminal)"),
  force: flag.on("--force", "remove even though queued entries still need this sender"),
  ...jsonFlag,
};

export type RemoveInput = Input<typeof removeArgs, typeof removeFlags>;

export const remove = defineCommand({
  name: "remove",
  summary: "remove a profile and its secrets",
  description: "remove a profile: its settings, its saved secrets, and a Google token at Google",
  args: removeArgs,
  flags: removeFlags,
  help: `
Asks first on a terminal; scripts pass --yes. Refuses while queued entries (not yet
sent) have this sender, naming them, unless --force. A Gmail connection's refresh
token is revoked at Google; Microsoft has no revocation of one token, so the output
says where the app's consent is withdrawn (https://myapps.microsoft.com, or Entra
admin center > Enterprise applications). A password stays valid at its server.

Examples:
  $ mailcfg remove user jdoe
  $ mailcfg remove company --yes --json
  $ mailcfg remove user jdoe --yes --force      # queued entries are routed again by queue retry`,
  load: async () => (await import("../commands/remove.js")).runRemove,
});

const renameArgs = {
  target: arg.optional("[target]", "user"),
  from: arg.optional("[old]", "the user id now"),
  to: arg.optional("[new]", "the new user id"),
};

export type RenameInput = Input<typeof renameArgs, typeof jsonFlag>;

export const rename = defineCommand({
  name: "rename",
  summary: "rename a user id everywhere",
  description: "rename a user id: the User Email, its secrets, the default-user setting, queued entries",
  args: renameArgs,
  flags: jsonFlag,
  help: `
Examples:
  $ mailcfg rename user jdoe john.doe
  $ mailcfg rename user jdoe john.doe --json`,
  load: async () => (await import("../commands/rename.js")).runRename,
});
