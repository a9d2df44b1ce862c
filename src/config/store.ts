import { existsSync } from "node:fs";
import { join } from "node:path";
import { MailError } from "../errors.js";
import validateConfig from "./config-validator.generated.js";
import { DEFAULT_SETTINGS, secretKindFor, type AppSettings, type Owner, type Profile } from "./types.js";

interface ConfigFile {
  version: 1;
  company?: Profile;
  users: Record<string, Profile>;
  settings: Partial<AppSettings>;
}

/** Minimal surface of conf that we use, so the heavy import stays lazy. */
interface ConfLike {
  readonly path: string;
  get store(): Record<string, unknown>;
  set store(v: Record<string, unknown>);
}

/**
 * Profiles and app settings in one JSON file (conf: schema-checked, atomic writes).
 * A file that does not parse or fails the schema is reported, never replaced.
 */
export class ConfigStore {
  private constructor(private readonly conf: ConfLike) {}

  static async open(dir: string): Promise<ConfigStore> {
    const { default: Conf } = await import("conf");
    try {
      const conf = new Conf<Record<string, unknown>>({
        cwd: dir,
        configName: "config",
        // No conf defaults: conf writes them out on open, and a command that only reads
        // (status, or a setup whose validation fails) must leave no file behind.
        // No conf schema either: ours is compiled ahead of time (config-validator) and
        // checked on every read and write below; compiling it on each run cost ~100 ms.
        clearInvalidConfig: false,
        configFileMode: 0o600,
      });
      return new ConfigStore(conf as unknown as ConfLike);
    } catch (err) {
      throw corruptConfig(join(dir, "config.json"), err);
    }
  }

  get path(): string {
    return this.conf.path;
  }

  private read(): ConfigFile {
    try {
      const saved = checkAgainstSchema(this.conf.store) as Partial<ConfigFile>;
      return { version: 1, users: {}, settings: {}, ...saved };
    } catch (err) {
      throw corruptConfig(this.conf.path, err);
    }
  }

  private write(mutate: (c: ConfigFile) => void): void {
    const current = structuredClone(this.read());
    mutate(current);
    // Checked before conf writes, so a bad value never reaches the file.
    this.conf.store = checkAgainstSchema(current) as unknown as Record<string, unknown>;
  }

  getProfile(owner: Owner): Profile | undefined {
    const c = this.read();
    return owner.kind === "company" ? c.company : c.users[owner.id];
  }

  listProfiles(): Array<{ owner: Owner; profile: Profile }> {
    const c = this.read();
    const out: Array<{ owner: Owner; profile: Profile }> = [];
    if (c.company) out.push({ owner: { kind: "company" }, profile: c.company });
    for (const id of Object.keys(c.users).sort()) {
      const p = c.users[id];
      if (p) out.push({ owner: { kind: "user", id }, profile: p });
    }
    return out;
  }

  userIds(): string[] {
    return Object.keys(this.read().users).sort();
  }

  saveProfile(owner: Owner, profile: Profile): void {
    this.write((c) => {
      if (owner.kind === "company") c.company = profile;
      else c.users[owner.id] = profile;
    });
  }

  updateProfile(owner: Owner, patch: Partial<Profile>): void {
    this.write((c) => {
      const current = owner.kind === "company" ? c.company : c.users[owner.id];
      if (!current) return;
      const next = { ...current, ...patch } as Profile;
      if (owner.kind === "company") c.company = next;
      else c.users[owner.id] = next;
    });
  }

  /**
   * Records a successful use: `lastUsedAt` when a message went out and, for an OAuth
   * profile (every run refreshes its access token before it sends or signs in), when
   * its token was last refreshed.
   */
  recordUse(owner: Owner, at: string, sent = true): void {
    this.write((c) => {
      const p = owner.kind === "company" ? c.company : c.users[owner.id];
      if (!p) return;
      if (sent) p.lastUsedAt = at;
      if (secretKindFor(p) === "refresh-token") p.tokenRefreshedAt = at;
    });
  }

  removeProfile(owner: Owner): boolean {
    let removed = false;
    this.write((c) => {
      if (owner.kind === "company") {
        removed = c.company !== undefined;
        delete c.company;
      } else {
        removed = c.users[owner.id] !== undefined;
        delete c.users[owner.id];
      }
    });
    return removed;
  }

  /** Moves a user's profile to a new id in one write; the default-user setting follows it. */
  renameUser(from: string, to: string): void {
    this.write((c) => {
      const p = c.users[from];
      if (!p) return;
      c.users[to] = p;
      delete c.users[from];
      if (c.settings["default-user"] === from) c.settings["default-user"] = to;
    });
  }

  settings(): AppSettings {
    return { ...DEFAULT_SETTINGS, ...this.read().settings };
  }

  /** Raw settings as saved, without defaults: tells "set" from "default". */
  savedSettings(): Partial<AppSettings> {
    return { ...this.read().settings };
  }

  setSetting<K extends keyof AppSettings>(key: K, value: AppSettings[K] | undefined): void {
    this.write((c) => {
      if (value === undefined) delete c.settings[key];
      else c.settings[key] = value;
    });
  }
}

/** The config data if it fits the schema; otherwise an error naming each place that does not. */
function checkAgainstSchema(data: unknown): unknown {
  if (validateConfig(data)) return data;
  const errors = (validateConfig.errors ?? []).map(({ instancePath, message = "" }) => `\`${instancePath.slice(1)}\` ${message}`);
  throw new Error("Config schema violation: " + errors.join("; "));
}

function corruptConfig(path: string, err: unknown): MailError {
  const reason = err instanceof Error ? err.message : String(err);
  return new MailError("config", `The config file ${path} cannot be read: ${reason}`, {
    hint: `mailcfg leaves it as it is. Fix or move it away (mv ${path} ${path}.bad), then run mailcfg again.`,
    cause: err,
  });
}

export function configExists(dir: string): boolean {
  return existsSync(join(dir, "config.json"));
}
