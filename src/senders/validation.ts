import { protocolLog, type Context } from "../context.js";
import type { ProviderSettings, ValidationRecord } from "../config/types.js";
import { createProvider, type SecretLock } from "../providers/index.js";
import type { Evidence, Sent } from "../providers/types.js";
import { isMailError } from "../errors.js";
import { progress } from "./input.js";

export interface ValidationRequest {
  settings: ProviderSettings;
  secret?: string;
  /** Where the test mail goes; the profile's own address when unset. */
  to?: string;
  /** false: connect and log in only (--no-send). */
  send: boolean;
  timeoutMs: number;
  ca?: string[];
  /** Who the profile is for, named in the test mail. */
  label: string;
  /** Stores a replacement secret at once (a rotated refresh token); see rotatedSecretSaver. */
  onSecretRotated?: (secret: string) => Promise<void>;
  /** Refreshes a rotating secret under the config folder's lock; see savedSecretLock. */
  secretLock?: SecretLock;
}

export interface ValidationOutcome {
  evidence: Evidence;
  sent?: Sent;
  record: ValidationRecord;
  /** The secret to keep from now on, when the provider was issued a new one (rotated refresh token). */
  rotatedSecret?: string;
}

/**
 * The product's Validate button: connect, log in and (by default) send a test mail.
 * Throws a classified MailError on failure; the caller decides what to save.
 */
export async function validateSettings(ctx: Context, req: ValidationRequest): Promise<ValidationOutcome> {
  const s = req.settings;
  let rotated: string | undefined;
  const provider = await createProvider({
    settings: s,
    ...(req.secret === undefined ? {} : { secret: req.secret }),
    options: { timeoutMs: req.timeoutMs, connectEarly: true, ...(req.ca ? { ca: req.ca } : {}), ...protocolLog(ctx) },
    env: ctx.env,
    onSecretRotated: async (secret) => {
      rotated = secret;
      await req.onSecretRotated?.(secret);
    },
    ...(req.secretLock ? { secretLock: req.secretLock } : {}),
  });
  const kept = () => (rotated === undefined ? {} : { rotatedSecret: rotated });
  try {
    progress(ctx, `connecting and logging in as ${s.email}`);
    const evidence = await provider.verify();
    if (!req.send) {
      return { evidence, record: { at: ctx.now().toISOString(), ok: true, method: "login" }, ...kept() };
    }
    const to = req.to ?? s.email;
    progress(ctx, `sending a test mail to ${to}`);
    const sent = await provider.send(testMail(req.label, s.email, to, ctx.now()));
    return { evidence, sent, record: { at: ctx.now().toISOString(), ok: true, method: "test-mail", to }, ...kept() };
  } finally {
    await provider.close().catch(() => undefined);
  }
}

export function failureRecord(ctx: Context, err: unknown, send: boolean, to?: string): ValidationRecord {
  const r: ValidationRecord = {
    at: ctx.now().toISOString(),
    ok: false,
    method: send ? "test-mail" : "login",
    category: isMailError(err) ? err.category : "unknown",
    message: err instanceof Error ? err.message : String(err),
  };
  // The verdict is kept with the record, so status can say what fixes it.
  if (isMailError(err)) {
    if (err.details.transient !== undefined) r.transient = err.details.transient;
    if (err.details.remedy) r.remedy = err.details.remedy;
    if (err.details.rowId) r.rowId = err.details.rowId;
  }
  if (to) r.to = to;
  return r;
}

function testMail(label: string, from: string, to: string, now: Date) {
  return {
    from,
    to: [to],
    subject: `mailcfg test mail: ${label} (${from})`,
    text:
      `This is a test mail sent by mailcfg to validate the ${label} settings for ${from}.\n` +
      `Sent at ${now.toISOString()}.\n\nIf you can read this, outgoing email works. No action is needed.\n`,
  };
}

export { rotatedSecretSaver, savedSecretLock } from "../config/rotated-secret.js";
