import { arg, defineCommand, flag, type Input } from "./definition.js";

const json = { json: flag.on("--json", "print JSON") };
const key = { key: arg.required("<key>") };
const keyValue = { ...key, value: arg.required("<value>") };

export type ConfigKeyInput = Input<typeof key, typeof json>;
export type ConfigSetInput = Input<typeof keyValue, typeof json>;
export type ConfigInput = Input<Record<never, never>, typeof json>;

export const config = defineCommand({
  name: "config",
  summary: "read and change app settings",
  description: "read and change app settings (not profiles)",
  helpLater: async () => {
    const { SETTINGS } = await import("../config/settings.js");
    return `
Settings:
${Object.values(SETTINGS)
  .map((s) => `  ${s.key.padEnd(26)} ${s.description}`)
  .join("\n")}

Examples:
  $ mailcfg config set ship-confirmation-sender user
  $ mailcfg config get ship-confirmation-sender
  $ mailcfg config list --json
  $ mailcfg config path                 # the config folder`;
  },
  subcommands: [
    defineCommand({
      name: "get",
      description: "print one setting",
      args: key,
      flags: json,
      load: async () => (await import("../commands/config.js")).runConfigGet,
    }),
    defineCommand({
      name: "set",
      description: "change one setting",
      args: keyValue,
      flags: json,
      load: async () => (await import("../commands/config.js")).runConfigSet,
    }),
    defineCommand({
      name: "unset",
      description: "return one setting to its default",
      args: key,
      flags: json,
      load: async () => (await import("../commands/config.js")).runConfigUnset,
    }),
    defineCommand({
      name: "list",
      description: "print every setting",
      flags: json,
      load: async () => (await import("../commands/config.js")).runConfigList,
    }),
    defineCommand({
      name: "path",
      description: "print the config folder (config.json, secrets.json, queue.db)",
      flags: json,
      load: async () => (await import("../commands/config.js")).runConfigPath,
    }),
  ],
});
