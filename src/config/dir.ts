import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The folder for config, secrets, the queue and sandbox mail. On its own, so the start
 * of every run can know it without loading the config store.
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.MAILCFG_CONFIG_DIR;
  if (fromEnv) return fromEnv;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "mailcfg");
}
