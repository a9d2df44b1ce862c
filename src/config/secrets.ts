import { join } from "node:path";
import { MailError } from "../errors.js";
import { checkKeptFile, MB, readBoundedText, writeAtomic, type Note } from "./files.js";
import { withLockSync } from "./lock.js";

/** Passwords and refresh tokens live here, never in config.json. */
export interface SecretStore {
  readonly kind: "file" | "keyring";
  /** Where the secrets are, in words, for `status` and the one-time notice. */
  readonly location: string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

const SECRETS_LIMIT = 4 * MB;

/**
 * A JSON file of secrets, mode 0600, never followed through a symbolic link. Changes
 * are made under the config folder's lock on a fresh read, and the file is replaced
 * atomically (owner-only temp file, fsync, rename).
 */
export class FileSecretStore implements SecretStore {
  readonly kind = "file" as const;
  readonly path: string;
  private checked = false;

  constructor(
    private readonly dir: string,
    private readonly note?: Note,
  ) {
    this.path = join(dir, "secrets.json");
  }

  get location(): string {
    return `${this.path} (file readable only by you, mode 0600)`;
  }

  private readAll(): Record<string, unknown> {
    if (!this.checked) {
      // A looser mode is fixed (or, when it cannot be, refused): the file holds every password.
      checkKeptFile(this.path, { noFollow: true, mustTighten: true, ...(this.note ? { note: this.note } : {}) });
      this.checked = true;
    }
    const text = readBoundedText(this.path, {
      label: "The secrets file",
      maxBytes: SECRETS_LIMIT,
      category: "config",
      noFollow: true,
      hint: `mailcfg leaves it as it is. Move it away (mv ${this.path} ${this.path}.bad) and set the passwords up again.`,
    });
    if (text === undefined) return {};
    try {
      const data = JSON.parse(text) as unknown;
      if (data && typeof data === "object" && !Array.isArray(data)) return data as Record<string, unknown>;
    } catch {
      // fall through to the error below
    }
    throw new MailError("config", `The secrets file ${this.path} is not valid JSON (it must be one object of text values).`, {
      hint: `mailcfg leaves it as it is. Move it away (mv ${this.path} ${this.path}.bad) and set the passwords up again.`,
    });
  }

  /** Applies a change to the secrets as saved now, under the folder's lock. */
  private change(apply: (all: Record<string, unknown>) => boolean): void {
    withLockSync(
      this.dir,
      () => {
        const all = this.readAll();
        if (apply(all)) writeAtomic(this.path, JSON.stringify(all, null, 2) + "\n");
      },
      this.note,
    );
  }

  async get(key: string): Promise<string | undefined> {
    const all = this.readAll();
    if (!Object.hasOwn(all, key)) return undefined;
    const value = all[key];
    if (typeof value === "string") return value;
    const what = value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`;
    throw new MailError("config", `The secrets file ${this.path} holds ${what} for ${key}, where a password or token (text) belongs.`, {
      hint: "mailcfg leaves it as it is. Set that secret again with mailcfg setup (or connect-gmail / connect-microsoft), or fix the file.",
    });
  }

  async set(key: string, value: string): Promise<void> {
    this.change((all) => {
      all[key] = value;
      return true;
    });
  }

  async delete(key: string): Promise<void> {
    this.change((all) => Object.hasOwn(all, key) && delete all[key]);
  }
}

const KEYRING_SERVICE = "mailcfg";

interface KeyringEntry {
  getPassword(): string | null;
  setPassword(p: string): void;
  deleteCredential(): boolean;
}
type EntryCtor = new (service: string, account: string) => KeyringEntry;

/** The OS keyring through @napi-rs/keyring (optional dependency, loaded only here). */
export class KeyringSecretStore implements SecretStore {
  readonly kind = "keyring" as const;
  readonly location = "the OS keyring (service \"mailcfg\")";

  private constructor(
    private readonly Entry: EntryCtor,
    private readonly namespace: string,
  ) {}

  /** Loads the keyring and proves it can store and delete a value; throws otherwise. */
  static async open(namespace: string): Promise<KeyringSecretStore> {
    const mod = (await import("@napi-rs/keyring")) as unknown as { Entry: EntryCtor };
    const store = new KeyringSecretStore(mod.Entry, namespace);
    const probe = new mod.Entry(KEYRING_SERVICE, `${namespace}:probe`);
    probe.setPassword("probe");
    probe.deleteCredential();
    return store;
  }

  private entry(key: string): KeyringEntry {
    return new this.Entry(KEYRING_SERVICE, `${this.namespace}:${key}`);
  }

  async get(key: string): Promise<string | undefined> {
    return this.entry(key).getPassword() ?? undefined;
  }
  async set(key: string, value: string): Promise<void> {
    this.entry(key).setPassword(value);
  }
  async delete(key: string): Promise<void> {
    try {
      this.entry(key).deleteCredential();
    } catch {
      // nothing stored under that key
    }
  }
}

export type SecretStoreChoice = "file" | "keyring" | "auto";

/** Opens the OS keyring or throws; replaceable so tests never touch a real keyring. */
export type KeyringOpener = (namespace: string) => Promise<SecretStore>;

export interface OpenedSecretStore {
  store: SecretStore;
  /** Set when the choice was made now and must be said once and remembered. */
  notice?: string;
}

/**
 * Picks the secret store: an explicit choice (MAILCFG_SECRET_STORE or the saved
 * `secret-store` setting) is obeyed; otherwise the keyring is tried and, if it does
 * not work (headless Linux has no Secret Service), the 0600 file is used and the
 * caller says so once.
 */
export async function openSecretStore(
  dir: string,
  choice: SecretStoreChoice,
  openKeyring: KeyringOpener = (ns) => KeyringSecretStore.open(ns),
  note?: Note,
): Promise<OpenedSecretStore> {
  const namespace = dir;
  if (choice === "file") return { store: new FileSecretStore(dir, note) };
  if (choice === "keyring") {
    try {
      return { store: await openKeyring(namespace) };
    } catch (err) {
      throw new MailError("config", `The OS keyring cannot be used: ${firstLine(err)}`, {
        hint: "Use the secrets file instead: MAILCFG_SECRET_STORE=file (or mailcfg config set secret-store file).",
      });
    }
  }
  try {
    return { store: await openKeyring(namespace), notice: "Secrets are stored in the OS keyring." };
  } catch (err) {
    const file = new FileSecretStore(dir, note);
    return {
      store: file,
      notice:
        `The OS keyring is not available (${firstLine(err)}), so secrets are stored in ${file.location}. ` +
        "To choose this explicitly: MAILCFG_SECRET_STORE=file or mailcfg config set secret-store file.",
    };
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0] ?? text;
}
