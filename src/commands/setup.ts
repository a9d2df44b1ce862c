import { resolve } from "node:path";
import type { Context } from "../context.js";
import type { Owner, Profile, ProviderSettings, SenderIdentity, ServiceType, Signature } from "../config/types.js";
import { checkDisplayName, defaultDisplayName, identityFromFlags, type IdentityFlags } from "../config/identity.js";
import { ownerArgs, ownerJson, ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import { isMailError, UsageError } from "../errors.js";
import { checkEmail } from "../config/fields.js";
import { renderError } from "../ui/render.js";
import { SERVICE_LABELS, flowFor, parseServiceType } from "../senders/flows.js";
import type { Collected, ProviderFlags } from "../senders/flow.js";
import { validateSettings, type ValidationOutcome } from "../senders/validation.js";
import {
  parseOwner,
  parseTimeoutSeconds,
  readCaFiles,
  warn,
  type CommandResult,
} from "./shared.js";
import { describeSettings } from "../senders/describe.js";
import { withFollowUps } from "../failures/follow-up.js";
import { discoverForSetup } from "../senders/discover-step.js";
import { chooseRecovery } from "../senders/recovery.js";

export interface SetupOptions {
  owner: Owner;
  flags: ProviderFlags;
  to?: string;
  validate: boolean;
  json: boolean;
  timeout?: string;
  ca?: string[];
  /** --discover (true), --no-discover (false), or neither: look up the address's settings on a terminal. */
  discover?: boolean;
}

const USAGE = "mailcfg setup company|user <id> [--type webmail|exchange|gmail] [flags]";

/** Arguments and flags as commander gives them, checked; a usage error names the problem. */
export function toSetupOptions(target: string | undefined, id: string | undefined, raw: Record<string, unknown>): SetupOptions {
  const opts: SetupOptions = {
    owner: parseOwner(target, id, USAGE),
    flags: raw as ProviderFlags,
    validate: raw.validate !== false,
    json: raw.json === true,
  };
  if (typeof raw.to === "string") opts.to = checkEmail(raw.to, "--to");
  if (typeof raw.timeout === "string") opts.timeout = raw.timeout;
  if (Array.isArray(raw.ca)) opts.ca = raw.ca as string[];
  if (typeof raw.discover === "boolean") opts.discover = raw.discover;
  return opts;
}

export async function runSetup(ctx: Context, opts: SetupOptions): Promise<CommandResult> {
  const config = await ctx.config();
  const existing = config.getProfile(opts.owner);
  const settings = config.settings();
  const timeoutMs = parseTimeoutSeconds(opts.timeout, settings["connect-timeout-seconds"]);
  readCaFiles(opts.ca); // an unreadable --ca file is a usage error before any question
  // --ca is remembered with the profile, so later validate/send trust the same server.
  let caFiles = opts.ca ? opts.ca.map((f) => resolve(f)) : existing?.caFiles;
  const label = ownerLabel(opts.owner);
  if (ctx.io.canPrompt && !opts.json) ctx.io.err.write(ctx.theme.bold(`Setting up the ${label}`) + "\n");
  // The address first, and its settings looked up: they fill the first round of questions
  // only, so after a failed validation every value can be changed again.
  let flags = await discoverForSetup(ctx, opts.flags, { discover: opts.discover, json: opts.json, ...(opts.ca ? { ca: opts.ca } : {}) }, opts.owner, existing !== undefined);
  const given = identityFromFlags(opts.flags as IdentityFlags);
  const type = await chooseType(ctx, flags, existing);
  const flow = flowFor(type);
  if (existing && !opts.json) {
    ctx.io.err.write(
      `${ctx.theme.warn("note")}: this replaces the ${label} set up now (${describeSettings(existing)}) once validation passes; ` +
        "what you do not change is kept.\n",
    );
  }

  // An edit starts from the saved values and the saved secret (kept for the same server).
  let previous: Partial<Collected> | undefined =
    existing?.type === type ? { settings: existing, ...(await savedSecretOf(ctx, opts.owner, existing)) } : undefined;
  let identity: SenderIdentity | undefined;
  for (;;) {
    const collected = await flow.collect(ctx, flags, previous, opts.owner);
    if (caFiles) collected.settings = { ...collected.settings, caFiles };
    identity ??= await askIdentity(ctx, opts, given, existing, collected.settings.email);
    for (const w of flow.warnings?.(collected.settings) ?? []) warn(ctx, w);

    let outcome: ValidationOutcome | undefined;
    if (opts.validate) {
      try {
        outcome = await validateSettings(ctx, {
          settings: collected.settings,
          ...(collected.secret === undefined ? {} : { secret: collected.secret }),
          ...(opts.to ? { to: opts.to } : {}),
          send: true,
          timeoutMs,
          label,
        });
      } catch (err) {
        followUpsOfSetup(err, opts, collected.settings);
        if (!isMailError(err) || !ctx.io.canPrompt || opts.json) throw withNext(err, opts.owner);
        ctx.io.err.write(renderError(err, ctx.theme));
        // The verdict's remedy as a one-key choice, or edit every field, or stop.
        const next = await chooseRecovery(ctx, err, collected.settings, caFiles);
        if (next.kind === "stop") throw withNext(err, opts.owner);
        previous = collected;
        flags = next.flags;
        if (next.caFiles) caFiles = next.caFiles;
        continue;
      }
    }

    const now = ctx.now().toISOString();
    const profile = {
      ...collected.settings,
      ...identity,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      ...(outcome ? { validation: outcome.record } : {}),
      // A validated OAuth connection has just refreshed its token.
      ...(outcome && secretKindFor(collected.settings) === "refresh-token" ? { tokenRefreshedAt: now } : {}),
    } as Profile;
    await saveProfileAndSecret(ctx, opts.owner, profile, outcome?.rotatedSecret ?? collected.secret);

    const data: Record<string, unknown> = {
      owner: ownerJson(opts.owner),
      profile: publicProfile(profile),
      validated: outcome !== undefined,
    };
    if (outcome?.sent) data.testMail = { to: outcome.record.to, messageId: outcome.sent.messageId, response: outcome.sent.response };
    if (!opts.json) {
      const out = ctx.io.out;
      if (outcome) {
        out.write(`${ctx.theme.ok("✓")} ${outcome.evidence.summary}\n`);
        if (outcome.sent) out.write(`${ctx.theme.ok("✓")} Test mail sent to ${outcome.record.to} (${outcome.sent.response}).\n`);
      } else {
        warn(ctx, "saved without validation; run: mailcfg validate " + ownerArgs(opts.owner));
      }
      out.write(`${ctx.theme.ok("✓")} Saved the ${label}: ${describeSettings(profile)}.\n`);
    }
    return { data };
  }
}

/** The saved secret of the profile being edited, if the store has it. */
async function savedSecretOf(ctx: Context, owner: Owner, existing: Profile): Promise<Partial<Collected>> {
  const secret = await (await ctx.secrets()).get(secretKey(owner, secretKindFor(existing)));
  return secret === undefined ? {} : { secret, secretSaved: true };
}

/**
 * The display name and signature: the flags, else (on a terminal) a question for the
 * name with the saved one or a default from the id or address; the rest as saved.
 */
async function askIdentity(ctx: Context, opts: SetupOptions, given: SenderIdentity, existing: Profile | undefined, email: string): Promise<SenderIdentity> {
  const fallback = existing?.name ?? defaultDisplayName(opts.owner, email);
  const name =
    given.name ??
    (ctx.io.canPrompt && !opts.json
      ? checkDisplayName(
          await ctx.prompt.text({
            message: "Display name (shown with the address in From)",
            default: fallback,
            validate: (v) => (v.trim().length > 0 && !/[\r\n]/.test(v) ? true : "Give a name such as Acme Sales"),
          }),
          "display name",
        )
      : fallback);
  const signature = given.signature ?? (ctx.io.canPrompt && !opts.json ? await askSignature(ctx, existing?.signature) : existing?.signature);
  return { name, ...(signature ? { signature } : {}) };
}

/** The signature, asked on one line (a typed \\n starts a new line); a saved HTML form stays only with the same text. */
async function askSignature(ctx: Context, saved: Signature | undefined): Promise<Signature | undefined> {
  const typed = await ctx.prompt.text({
    message: "Signature under each message (\\n for a new line; empty: the display name and address)",
    default: saved?.text.replace(/\n/g, "\\n") ?? "",
  });
  const text = typed.trim().replace(/\\n/g, "\n");
  if (!text) return undefined;
  return saved && saved.text === text ? saved : { text };
}

async function chooseType(ctx: Context, flags: ProviderFlags, existing: Profile | undefined): Promise<ServiceType> {
  if (flags.type) return parseServiceType(flags.type);
  if (flags.host !== undefined || flags.preset || flags.port !== undefined || flags.security !== undefined) return "webmail";
  if (flags.ewsUrl || flags.domain) return "exchange";
  if (!ctx.io.canPrompt) {
    if (existing) return existing.type;
    throw new UsageError("Missing --type (webmail, exchange or gmail).", `Usage: ${USAGE}`);
  }
  return ctx.prompt.select<ServiceType>({
    message: "Email Service Type",
    choices: (Object.keys(SERVICE_LABELS) as ServiceType[]).map((t) => ({
      name: SERVICE_LABELS[t],
      value: t,
    })),
    ...(existing ? { default: existing.type } : {}),
  });
}

/**
 * Saves the secret, then the profile; if the profile cannot be written the old secret
 * is put back, so a failure never leaves a new password beside an old profile.
 */
export async function saveProfileAndSecret(ctx: Context, owner: Owner, profile: Profile, secret: string | undefined): Promise<void> {
  const config = await ctx.config();
  if (secret === undefined) {
    config.saveProfile(owner, profile);
    return;
  }
  const secrets = await ctx.secrets();
  const key = secretKey(owner, secretKindFor(profile));
  const old = await secrets.get(key);
  await secrets.set(key, secret);
  try {
    config.saveProfile(owner, profile);
  } catch (err) {
    if (old === undefined) await secrets.delete(key);
    else await secrets.set(key, old);
    throw err;
  }
}

/**
 * After a failed validation: check again with exactly the settings given (diagnose takes
 * them as flags), and the setup command that applies the verdict's remedy.
 */
function followUpsOfSetup(err: unknown, opts: SetupOptions, settings: ProviderSettings): void {
  const given = { ...(opts.ca ? { caFiles: opts.ca } : {}), ...(opts.timeout ? { timeout: opts.timeout } : {}) };
  const fix = { verb: "setup" as const, owner: opts.owner, settings, ...given };
  if (settings.type === "gmail") withFollowUps(err, fix, fix);
  else withFollowUps(err, { verb: "diagnose", settings, ...given }, fix);
}

function withNext(err: unknown, owner: Owner): unknown {
  if (isMailError(err) && !err.details.next) {
    err.details.next = `mailcfg setup ${ownerArgs(owner)}`;
  }
  return err;
}

export { ownerJson };

/** A profile as shown in output: everything saved (secrets never are). */
export function publicProfile(p: Profile): Record<string, unknown> {
  return { ...p };
}
