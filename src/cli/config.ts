import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";
import { addHelpTextLater } from "./help.js";

export function configCommand(ctx: Context, done: Done): Command {
  const cmd = new Command("config").description("read and change app settings (not profiles)");
  addHelpTextLater(cmd, async () => {
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
  });
  cmd
    .command("get")
    .description("print one setting")
    .argument("<key>")
    .option("--json", "print JSON")
    .action(async (key: string, o: { json?: boolean }) => {
      const { runConfigGet } = await import("../commands/config.js");
      done(await runConfigGet(ctx, key, o));
    });
  cmd
    .command("set")
    .description("change one setting")
    .argument("<key>")
    .argument("<value>")
    .option("--json", "print JSON")
    .action(async (key: string, raw: string, o: { json?: boolean }) => {
      const { runConfigSet } = await import("../commands/config.js");
      done(await runConfigSet(ctx, key, raw, o));
    });
  cmd
    .command("unset")
    .description("return one setting to its default")
    .argument("<key>")
    .option("--json", "print JSON")
    .action(async (key: string, o: { json?: boolean }) => {
      const { runConfigUnset } = await import("../commands/config.js");
      done(await runConfigUnset(ctx, key, o));
    });
  cmd
    .command("list")
    .description("print every setting")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { runConfigList } = await import("../commands/config.js");
      done(await runConfigList(ctx, o));
    });
  cmd
    .command("path")
    .description("print the config folder (config.json, secrets.json, queue.db)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { runConfigPath } = await import("../commands/config.js");
      done(await runConfigPath(ctx, o));
    });
  return cmd;
}
