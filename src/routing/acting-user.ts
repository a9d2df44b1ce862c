import type { AppSettings, Profile } from "../config/types.js";
import type { ConfigStore } from "../config/store.js";
import { checkUserId } from "../config/fields.js";
import type { SavedProfiles } from "./route.js";

export interface ActingUser {
  id?: string;
  /** Where the id came from, for the explanation. */
  source: "--user" | "MAILCFG_USER" | "default-user setting" | "none";
}

/** The acting user: --user wins, then MAILCFG_USER, then the default-user setting. */
export function resolveActingUser(flag: string | undefined, env: NodeJS.ProcessEnv, settings: Pick<AppSettings, "default-user">): ActingUser {
  if (flag !== undefined && flag !== "") return { id: checkUserId(flag), source: "--user" };
  const fromEnv = env.MAILCFG_USER;
  if (fromEnv) return { id: checkUserId(fromEnv), source: "MAILCFG_USER" };
  const saved = settings["default-user"];
  if (saved) return { id: checkUserId(saved), source: "default-user setting" };
  return { source: "none" };
}

/** The saved senders, as routing needs them. */
export function savedProfiles(config: ConfigStore): SavedProfiles {
  // No prototype: a user named "constructor" or "toString" finds only a saved profile.
  const users = Object.create(null) as Record<string, Profile>;
  let company: Profile | undefined;
  for (const { owner, profile } of config.listProfiles()) {
    if (owner.kind === "company") company = profile;
    else users[owner.id] = profile;
  }
  return company ? { company, users } : { users };
}
