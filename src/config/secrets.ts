import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { MailError } from "../errors.js";

/** Passwords and refresh tokens live here, never in config.json. */
export interface SecretStore {
  readonly kind: "file" | "keyring";
  /** Where the secrets are, in words, for `status` and the one-time notice. */
  readonly location: string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A JSON file of secrets, mode 0600, replaced atomically (write temp, fsync, rename). */
export class FileSecretStore implements SecretStore {
  readonly kind = "file" as const;
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, "secrets.json");
  }

  get location(): string {
    return `${this.path} (file readable only by you, mode 0600)`;
  }

  private readAll(): Record<string, string> {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
    try {
      const data = JSON.parse(text) as unknown;
      if (data && typeof data === "object" && !Array.isArray(data)) return data as Record<string, string>;
    } catch {
      // fall through to the error below
    }
    throw new MailError("config", `The secrets file ${this.path} is not valid JSON.`, {
      hint: `mailcfg leaves it as it is. Move it away (mv ${this.path} ${this.path}.bad) and set the passwords up again.`,
    });
  }

  private writeAll(data: Record<string, string>): void {
    const dir = join(this.path, "..");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Unique per process and moment; node:crypto is not needed (and not loaded) for this.
    const tmp = `${this.path}.${process.pid}-${process.hrtime.bigint()}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n", { mode: 0o600, flush: true });
    chmodSync(tmp, 0o600);
    try {
      renameSync(tmp, this.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<string | undefined> {
    return this.readAll()[key];
  }

  async set(key: string, value: string): Promise<void> {
    const all = this.readAll();
    all[key] = value;
    this.writeAll(all);
  }

  async delete(key: string): Promise<void> {
    const all = this.readAll();
    if (!(key in all)) return;
    delete all[key];
    this.writeAll(all);
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
): Promise<OpenedSecretStore> {
  const namespace = dir;
  if (choice === "file") return { store: new FileSecretStore(dir) };
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
    const file = new FileSecretStore(dir);
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
