import { UsageError } from "../errors.js";
import type { AppSettings } from "./types.js";
import { checkUserId } from "./fields.js";
import { timeoutMs } from "../util/timeout.js";
import { checkQueueUrl } from "./queue-url.js";
import { checkMicrosoftClientId, checkTenant } from "./microsoft-fields.js";

interface SettingSpec<K extends keyof AppSettings> {
  key: K;
  description: string;
  parse(value: string): AppSettings[K];
}

function positive(key: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${key} must be a positive number; got "${v}".`);
    return n;
  };
}

/** A setting that takes one of a few words: "company or user", "yes or no". */
function oneOf<const W extends string>(key: string, words: readonly [W, W]) {
  return (v: string): W => {
    if ((words as readonly string[]).includes(v)) return v as W;
    throw new UsageError(`${key} must be ${words.join(" or ")}; got "${v}".`);
  };
}

/** Every app setting `mailcfg config` knows, with its check. Add a setting here. */
export const SETTINGS: { [K in keyof AppSettings]-?: SettingSpec<K> } = {
  "ship-confirmation-sender": {
    key: "ship-confirmation-sender",
    description: "who sends the ship confirmation on Pack & Ship: company (default) or user",
    parse: oneOf("ship-confirmation-sender", ["company", "user"]),
  },
  "default-user": {
    key: "default-user",
    description: "the acting user when --user is not given (MAILCFG_USER overrides it)",
    parse: (v) => checkUserId(v),
  },
  "connect-timeout-seconds": {
    key: "connect-timeout-seconds",
    description: "how long to wait for a server before giving up (default 15)",
    parse: (v) => timeoutMs(v, "connect-timeout-seconds") / 1000,
  },
  "attachment-limit-mb": {
    key: "attachment-limit-mb",
    description: "largest attachment send and queue accept, in MB (default 25)",
    parse: positive("attachment-limit-mb"),
  },
  "templates-dir": {
    key: "templates-dir",
    description: "a folder of message templates that override the built-in ones",
    parse: (v) => v,
  },
  "google-client-id": {
    key: "google-client-id",
    description: "the organisation's Google OAuth client id for connect-gmail",
    parse: (v) => v,
  },
  "microsoft-client-id": {
    key: "microsoft-client-id",
    description: "the Application (client) id of the organisation's Entra app registration for connect-microsoft",
    parse: (v) => checkMicrosoftClientId(v, "microsoft-client-id"),
  },
  "microsoft-tenant": {
    key: "microsoft-tenant",
    description: "the Entra tenant for connect-microsoft: directory id, domain, or organizations (default)",
    parse: (v) => checkTenant(v, "microsoft-tenant"),
  },
  "secret-store": {
    key: "secret-store",
    description: "where passwords and tokens are kept: keyring or file",
    parse(v) {
      if (v === "keyring" || v === "file") return v;
      throw new UsageError(`secret-store must be keyring or file; got "${v}".`);
    },
  },
  "queue-max-attempts": {
    key: "queue-max-attempts",
    description: "queue: how many times a message is tried before it stops as failed (default 5)",
    parse(v) {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`queue-max-attempts must be a whole number from 1 to 100; got "${v}".`);
      return n;
    },
  },
  "queue-retry-seconds": {
    key: "queue-retry-seconds",
    description: "queue: wait before the first retry, doubled for each next one (default 60)",
    parse: positive("queue-retry-seconds"),
  },
  "queue-resend-uncertain": {
    key: "queue-resend-uncertain",
    description: "queue: yes resends an entry that may have been delivered (lost connection after the final dot) as a normal retry; default no",
    parse: oneOf("queue-resend-uncertain", ["yes", "no"]),
  },
  "queue-url": {
    key: "queue-url",
    description: "a shared queue on PostgreSQL: postgres://user@host/db (password in MAILCFG_QUEUE_PASSWORD); unset: the local file",
    parse: (v) => checkQueueUrl(v, "queue-url", false).toString(),
  },
};

export function settingSpec(key: string): SettingSpec<keyof AppSettings> {
  // Own keys only: "toString" or "constructor" is an unknown setting, not Object's.
  const spec = Object.hasOwn(SETTINGS, key) ? (SETTINGS as Record<string, SettingSpec<keyof AppSettings>>)[key] : undefined;
  if (!spec) {
    throw new UsageError(`Unknown setting "${key}".`, `Known settings: ${Object.keys(SETTINGS).join(", ")}.`);
  }
  return spec;
}
