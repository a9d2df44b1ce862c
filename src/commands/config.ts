import type { Context } from "../context.js";
import type { AppSettings } from "../config/types.js";
import { SETTINGS, settingSpec } from "../config/settings.js";
import type { CommandResult } from "./shared.js";
import type { ConfigInput, ConfigKeyInput, ConfigSetInput } from "../cli/config.js";

export async function runConfigGet(ctx: Context, { key, json }: ConfigKeyInput): Promise<CommandResult> {
  const spec = settingSpec(key);
  const config = await ctx.config();
  const value = config.settings()[spec.key];
  const isDefault = config.savedSettings()[spec.key] === undefined;
  if (!json) ctx.io.out.write(`${value ?? ""}\n`);
  return { data: { key, value: value ?? null, default: isDefault } };
}

export async function runConfigSet(ctx: Context, { key, value: raw, json }: ConfigSetInput): Promise<CommandResult> {
  const spec = settingSpec(key);
  const value = spec.parse(raw);
  const config = await ctx.config();
  config.setSetting(spec.key, value as never);
  if (!json) ctx.io.out.write(`${key} = ${String(value)}\n`);
  return { data: { key, value } };
}

export async function runConfigUnset(ctx: Context, { key, json }: ConfigKeyInput): Promise<CommandResult> {
  const spec = settingSpec(key);
  const config = await ctx.config();
  config.setSetting(spec.key, undefined);
  const value = config.settings()[spec.key];
  if (!json) ctx.io.out.write(`${key} = ${value ?? "(unset)"} (default)\n`);
  return { data: { key, value: value ?? null } };
}

export async function runConfigList(ctx: Context, { json }: ConfigInput): Promise<CommandResult> {
  const config = await ctx.config();
  const all = config.settings();
  const saved = config.savedSettings();
  if (!json) {
    for (const key of Object.keys(SETTINGS) as Array<keyof AppSettings>) {
      const v = all[key];
      ctx.io.out.write(`${key.padEnd(26)} ${v === undefined ? "(unset)" : String(v)}${saved[key] === undefined ? "  (default)" : ""}\n`);
    }
    ctx.io.out.write(ctx.theme.dim(`config file: ${config.path}`) + "\n");
  }
  return { data: { settings: all, path: config.path } };
}

/** The config folder, as `mailcfg config path` prints it (a script can cd there). */
export async function runConfigPath(ctx: Context, { json }: ConfigInput): Promise<CommandResult> {
  const { join } = await import("node:path");
  if (!json) ctx.io.out.write(`${ctx.configDir}\n`);
  return {
    data: {
      configDir: ctx.configDir,
      configFile: join(ctx.configDir, "config.json"),
      secretsFile: join(ctx.configDir, "secrets.json"),
      queueFile: join(ctx.configDir, "queue.db"),
    },
  };
}
