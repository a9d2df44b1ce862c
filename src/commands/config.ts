import { Command } from "commander";
import type { Context } from "../context.js";
import type { AppSettings } from "../config/types.js";
import { SETTINGS, settingSpec } from "../config/settings.js";
import type { CommandResult } from "./shared.js";

export function configCommand(ctx: Context, done: (r: CommandResult) => void): Command {
  const cmd = new Command("config").description("read and change app settings (not profiles)");
  cmd.addHelpText(
    "after",
    `
Settings:
${Object.values(SETTINGS)
  .map((s) => `  ${s.key.padEnd(26)} ${s.description}`)
  .join("\n")}

Examples:
  $ mailcfg config set ship-confirmation-sender user
  $ mailcfg config get ship-confirmation-sender
  $ mailcfg config list --json`,
  );
  cmd
    .command("get")
    .description("print one setting")
    .argument("<key>")
    .option("--json", "print JSON")
    .action(async (key: string, o: { json?: boolean }) => {
      const spec = settingSpec(key);
      const config = await ctx.config();
      const value = config.settings()[spec.key];
      const isDefault = config.savedSettings()[spec.key] === undefined;
      if (!o.json) ctx.io.out.write(`${value ?? ""}\n`);
      done({ data: { key, value: value ?? null, default: isDefault } });
    });
  cmd
    .command("set")
    .description("change one setting")
    .argument("<key>")
    .argument("<value>")
    .option("--json", "print JSON")
    .action(async (key: string, raw: string, o: { json?: boolean }) => {
      const spec = settingSpec(key);
      const value = spec.parse(raw);
      const config = await ctx.config();
      config.setSetting(spec.key, value as never);
      if (!o.json) ctx.io.out.write(`${key} = ${String(value)}\n`);
      done({ data: { key, value } });
    });
  cmd
    .command("unset")
    .description("return one setting to its default")
    .argument("<key>")
    .option("--json", "print JSON")
    .action(async (key: string, o: { json?: boolean }) => {
      const spec = settingSpec(key);
      const config = await ctx.config();
      config.setSetting(spec.key, undefined);
      const value = config.settings()[spec.key];
      if (!o.json) ctx.io.out.write(`${key} = ${value ?? "(unset)"} (default)\n`);
      done({ data: { key, value: value ?? null } });
    });
  cmd
    .command("list")
    .description("print every setting")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const config = await ctx.config();
      const all = config.settings();
      const saved = config.savedSettings();
      if (!o.json) {
        for (const key of Object.keys(SETTINGS) as Array<keyof AppSettings>) {
          const v = all[key];
          ctx.io.out.write(`${key.padEnd(26)} ${v === undefined ? "(unset)" : String(v)}${saved[key] === undefined ? "  (default)" : ""}\n`);
        }
        ctx.io.out.write(ctx.theme.dim(`config file: ${config.path}`) + "\n");
      }
      done({ data: { settings: all, path: config.path } });
    });
  return cmd;
}
