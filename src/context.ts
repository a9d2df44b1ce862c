import type { Readable, Writable } from "node:stream";
import { isatty } from "node:tty";
import { inquirerPrompter, noPrompter, type Prompter } from "./prompter.js";
// The stores are loaded on first use (ctx.config(), ctx.secrets()): many runs never
// read them, and every run pays for what this module loads.
import type { ConfigStore } from "./config/store.js";
import type { KeyringOpener, SecretStore, SecretStoreChoice } from "./config/secrets.js";
import { configDir } from "./config/dir.js";
import { MailError, UsageError } from "./errors.js";
import { makeTheme, type Theme } from "./ui/theme.js";

export interface IO {
  out: Writable;
  err: Writable;
  stdin: Readable;
  stdinIsTTY: boolean;
  /** stdin and stderr are terminals: questions can be asked. */
  canPrompt: boolean;
  /** stderr is a terminal: progress and colour are shown there. */
  errIsTTY: boolean;
}

/** Everything a command needs from the outside world, built once per run. */
export interface Context {
  io: IO;
  env: NodeJS.ProcessEnv;
  theme: Theme;
  prompt: Prompter;
  configDir: string;
  /** --debug or MAILCFG_DEBUG=1: stack traces, and the protocol log (secrets masked) on stderr. */
  debug: boolean;
  config(): Promise<ConfigStore>;
  secrets(): Promise<SecretStore>;
  now(): Date;
  openUrl(url: string): Promise<void>;
}

export interface ContextOverrides {
  io?: Partial<IO>;
  env?: NodeJS.ProcessEnv;
  prompt?: Prompter;
  now?: () => Date;
  openUrl?: (url: string) => Promise<void>;
  /** Tests replace the OS keyring, so they never read or write a real one. */
  openKeyring?: KeyringOpener;
}

export function createContext(over: ContextOverrides = {}): Context {
  const env = over.env ?? process.env;
  // isatty() and getters, not process.stdin.isTTY: Node builds a stdio stream on first
  // access, and most commands never read stdin (or write to stderr).
  const stdinIsTTY = over.io?.stdinIsTTY ?? isatty(0);
  const errIsTTY = over.io?.errIsTTY ?? isatty(2);
  const io: IO = {
    get out() {
      return over.io?.out ?? process.stdout;
    },
    get err() {
      return over.io?.err ?? process.stderr;
    },
    get stdin() {
      return over.io?.stdin ?? process.stdin;
    },
    stdinIsTTY,
    errIsTTY,
    canPrompt: over.io?.canPrompt ?? (stdinIsTTY && errIsTTY),
  };
  const dir = configDir(env);
  const color = errIsTTY && !env.NO_COLOR && env.TERM !== "dumb";
  let config: Promise<ConfigStore> | undefined;
  let secrets: Promise<SecretStore> | undefined;
  const note = (text: string) => void ctx.io.err.write(ctx.theme.dim(`note: ${text}`) + "\n");
  const ctx: Context = {
    io,
    env,
    theme: makeTheme(color),
    prompt: over.prompt ?? (io.canPrompt ? inquirerPrompter(io.err) : noPrompter),
    configDir: dir,
    debug: isDebug(env.MAILCFG_DEBUG),
    config: () => (config ??= import("./config/store.js").then(({ ConfigStore }) => ConfigStore.open(dir, note))),
    secrets: () => (secrets ??= openSecrets(ctx, over.openKeyring, note)),
    now: over.now ?? (() => new Date()),
    openUrl:
      over.openUrl ??
      (async (url) => {
        const { default: open } = await import("open");
        await open(url);
      }),
  };
  return ctx;
}

export function isDebug(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * With --debug, where a provider's protocol log goes: stderr, one line each. The
 * providers mask every secret they know before a line gets here.
 */
export function protocolLog(ctx: Context): { onLog?: (line: string) => void } {
  return ctx.debug ? { onLog: (line) => void ctx.io.err.write(ctx.theme.dim(`debug: ${line.replace(/\r?\n$/, "")}`) + "\n") } : {};
}

async function openSecrets(ctx: Context, openKeyring: KeyringOpener | undefined, note: (text: string) => void): Promise<SecretStore> {
  const fromEnv = ctx.env.MAILCFG_SECRET_STORE;
  if (fromEnv !== undefined && fromEnv !== "" && fromEnv !== "file" && fromEnv !== "keyring") {
    throw new UsageError(`MAILCFG_SECRET_STORE must be file or keyring; got "${fromEnv}".`, "Unset it to use the saved secret-store setting.");
  }
  const cfg = await ctx.config();
  const saved = cfg.savedSettings()["secret-store"];
  const choice: SecretStoreChoice = fromEnv || (saved ?? "auto");
  const { openSecretStore } = await import("./config/secrets.js");
  const opened = await openSecretStore(ctx.configDir, choice, openKeyring, note);
  if (opened.notice) {
    note(opened.notice);
    // Said once: the choice is remembered, so later runs use the same store quietly. A
    // folder that cannot be written (a read-only command on a read-only folder) does not
    // stop the run: the choice is simply made again next time.
    try {
      cfg.setSetting("secret-store", opened.store.kind);
    } catch (err) {
      if (!(err instanceof MailError && err.category === "config")) throw err;
    }
  }
  return opened.store;
}
