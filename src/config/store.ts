import { existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { MailError } from "../errors.js";
import validateConfig from "./config-validator.generated.js";
import { DEFAULT_SETTINGS, secretKindFor, type AppSettings, type Owner, type Profile } from "./types.js";
import { checkKeptFile, MB, readBoundedText, tightenMode, unusable, writeAtomic, type Note } from "./files.js";
import { withLockSync } from "./lock.js";

interface ConfigFile {
  version: 1;
  company?: Profile;
  users: Record<string, Profile>;
  settings: Partial<AppSettings>;
}

/** config.json is small: a few KB per profile. */
const CONFIG_LIMIT = 4 * MB;

/**
 * Profiles and app settings in one JSON file, schema-checked on every read and write.
 * A write takes the config folder's lock, re-reads the file, applies its change and
 * replaces the file atomically, so parallel runs never lose each other's changes.
 * A file that does not parse or fails the schema is reported, never replaced.
 */
export class ConfigStore {
  readonly path: string;

  private constructor(
    private readonly dir: string,
    private readonly note: Note | undefined,
  ) {
    this.path = join(dir, "config.json");
  }

  /** Opens the store; creates nothing (a command that only reads leaves no folder behind). */
  static async open(dir: string, note?: Note): Promise<ConfigStore> {
    let st;
    try {
      st = lstatSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw unusable(dir, "cannot be read", err);
    }
    if (st && !st.isDirectory() && !st.isSymbolicLink()) throw unusable(dir, "is a file where mailcfg needs its config folder");
    if (st?.isDirectory()) tightenMode(dir, st, 0o700, note);
    const store = new ConfigStore(dir, note);
    checkKeptFile(store.path, note ? { note } : {});
    return store;
  }

  private read(): ConfigFile {
    let text: string | undefined;
    try {
      text = readBoundedText(this.path, { label: "The config file", maxBytes: CONFIG_LIMIT, category: "config" });
    } catch (err) {
      if (err instanceof MailError) throw withLeaveAsIs(err, this.path);
      throw err;
    }
    if (text === undefined || text.trim() === "") return { version: 1, users: byName({}), settings: byName({}) };
    try {
      const data = JSON.parse(text) as unknown;
      if (data === null || typeof data !== "object" || Array.isArray(data)) {
        throw new Error(`the top level is ${data === null ? "null" : Array.isArray(data) ? "a list" : typeof data}, not an object`);
      }
      const saved = checkAgainstSchema(data) as Partial<ConfigFile>;
      // Null-prototype maps: a user id or setting named "constructor" is just a name.
      return { version: 1, ...saved, users: byName(saved.users ?? {}), settings: byName(saved.settings ?? {}) };
    } catch (err) {
      throw corruptConfig(this.path, err);
    }
  }

  private write(mutate: (c: ConfigFile) => void): void {
    withLockSync(
      this.dir,
      () => {
        // Re-read under the lock: another run may have saved something since we last read.
        const current = this.read();
        mutate(current);
        // Checked before writing, so a bad value never reaches the file.
        checkAgainstSchema(JSON.parse(JSON.stringify(current)));
        writeAtomic(this.path, JSON.stringify(current, undefined, "\t"));
      },
      this.note,
    );
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

/** A copy of a JSON object with no prototype, so only its own keys are found in it. */
function byName<T>(o: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(Object.entries(o)));
}

/** A file problem (a FIFO, too large, unreadable) says the file is left as it is, like a corrupt one. */
function withLeaveAsIs(err: MailError, path: string): MailError {
  err.details.hint ??= `mailcfg leaves it as it is. Fix or move it away (mv ${path} ${path}.bad), then run mailcfg again.`;
  return err;
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
