import { resolve } from "node:path";
import type { Context } from "../context.js";
import type { Owner, Profile, ProviderSettings, SenderIdentity, ServiceType, Signature } from "../config/types.js";
import { checkDisplayName, defaultDisplayName, identityFromFlags } from "../config/identity.js";
import { ownerArgs, ownerJson, ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import { isMailError, UsageError } from "../errors.js";
import { checkEmail } from "../config/fields.js";
import { renderError } from "../ui/render.js";
import { SETUP_FLOWS, flowFor, parseServiceType } from "../senders/flows.js";
import type { Collected, ProviderFlags } from "../senders/flow.js";
import { validateSettings, type ValidationOutcome } from "../senders/validation.js";
import { parseOwner, parseTimeoutSeconds, readCaFiles, warn, type CommandResult } from "./shared.js";
import { describeSettings } from "../senders/describe.js";
import { publicProfile, saveProfileAndSecret } from "../senders/save.js";
import { withFollowUps } from "../failures/follow-up.js";
import { discoverForSetup } from "../senders/discover-step.js";
import { chooseRecovery, type Recovery } from "../senders/recovery.js";
import type { SetupInput } from "../cli/setup.js";

const USAGE = "mailcfg setup company|user <id> [--type webmail|exchange|gmail] [flags]";

/** One setup run: the input and what was checked or read from it before any question. */
interface SetupRun {
  input: SetupInput;
  owner: Owner;
  label: string;
  /** The profile set up now, if any: an edit starts from it. */
  existing: Profile | undefined;
  /** --to, checked. */
  to: string | undefined;
  timeoutMs: number;
}

/** Collected settings that passed validation (or were not validated, with --no-validate). */
interface Settled {
  collected: Collected;
  identity: SenderIdentity;
  outcome?: ValidationOutcome;
}

export async function runSetup(ctx: Context, input: SetupInput): Promise<CommandResult> {
  const owner = parseOwner(input.target, input.id, USAGE);
  const to = input.to === undefined ? undefined : checkEmail(input.to, "--to");
  const config = await ctx.config();
  const existing = config.getProfile(owner);
  const timeoutMs = parseTimeoutSeconds(input.timeout, config.settings()["connect-timeout-seconds"]);
  readCaFiles(input.ca); // an unreadable --ca file is a usage error before any question
  const run: SetupRun = { input, owner, label: ownerLabel(owner), existing, to, timeoutMs };
  if (ctx.io.canPrompt && !input.json) ctx.io.err.write(ctx.theme.bold(`Setting up the ${run.label}`) + "\n");
  // The address first, and its settings looked up: they fill the first round of questions
  // only, so after a failed validation every value can be changed again.
  const flags = await discoverForSetup(ctx, input, { discover: input.discover, json: input.json, ...(input.ca ? { ca: input.ca } : {}) }, owner, existing !== undefined);
  const given = identityFromFlags(input);
  const type = await chooseType(ctx, flags, existing);
  if (existing && !input.json) {
    ctx.io.err.write(
      `${ctx.theme.warn("note")}: this replaces the ${run.label} set up now (${describeSettings(existing)}) once validation passes; ` +
        "what you do not change is kept.\n",
    );
  }
  return saveAndReport(ctx, run, await collectAndValidate(ctx, run, type, flags, given));
}

/**
 * Collects the settings (flags first, then questions) and validates them; on a terminal a
 * failed validation offers the verdict's remedy and collects again, the typed values kept.
 */
async function collectAndValidate(ctx: Context, run: SetupRun, type: ServiceType, firstFlags: ProviderFlags, given: SenderIdentity): Promise<Settled> {
  const { input, owner, existing } = run;
  const flow = flowFor(type);
  let flags = firstFlags;
  // --ca is remembered with the profile, so later validate/send trust the same server.
  let caFiles = input.ca ? input.ca.map((f) => resolve(f)) : existing?.caFiles;
  // An edit starts from the saved values and the saved secret (kept for the same server).
  let previous: Partial<Collected> | undefined = existing?.type === type ? { settings: existing, ...(await savedSecretOf(ctx, owner, existing)) } : undefined;
  let identity: SenderIdentity | undefined;
  for (;;) {
    const collected = await flow.collect(ctx, flags, previous, owner);
    if (caFiles) collected.settings = { ...collected.settings, caFiles };
    identity ??= await askIdentity(ctx, run, given, collected.settings.email);
    for (const w of flow.warnings?.(collected.settings) ?? []) warn(ctx, w);
    if (!input.validate) return { collected, identity };
    try {
      const outcome = await validateSettings(ctx, {
        settings: collected.settings,
        ...(collected.secret === undefined ? {} : { secret: collected.secret }),
        ...(run.to ? { to: run.to } : {}),
        send: true,
        timeoutMs: run.timeoutMs,
        label: run.label,
      });
      return { collected, identity, outcome };
    } catch (err) {
      const next = await recover(ctx, run, err, collected.settings, caFiles);
      previous = collected;
      flags = next.flags;
      if (next.caFiles) caFiles = next.caFiles;
    }
  }
}

/** A failed validation: on a terminal, the verdict's remedy as a one-key choice, or edit every field; else (or to stop) the error. */
async function recover(ctx: Context, run: SetupRun, err: unknown, settings: ProviderSettings, caFiles: string[] | undefined): Promise<Extract<Recovery, { kind: "retry" }>> {
  followUpsOfSetup(err, run, settings);
  if (!isMailError(err) || !ctx.io.canPrompt || run.input.json) throw withNext(err, run.owner);
  ctx.io.err.write(renderError(err, ctx.theme));
  const next = await chooseRecovery(ctx, err, settings, caFiles);
  if (next.kind === "stop") throw withNext(err, run.owner);
  return next;
}

/** Saves the profile (with its identity and the verdict) and its secret, and says so. */
async function saveAndReport(ctx: Context, run: SetupRun, { collected, identity, outcome }: Settled): Promise<CommandResult> {
  const now = ctx.now().toISOString();
  const profile = {
    ...collected.settings,
    ...identity,
    createdAt: run.existing?.createdAt ?? now,
    updatedAt: now,
    ...(outcome ? { validation: outcome.record } : {}),
    // A validated OAuth connection has just refreshed its token.
    ...(outcome && secretKindFor(collected.settings) === "refresh-token" ? { tokenRefreshedAt: now } : {}),
  } as Profile;
  await saveProfileAndSecret(ctx, run.owner, profile, outcome?.rotatedSecret ?? collected.secret);

  const data: Record<string, unknown> = {
    owner: ownerJson(run.owner),
    profile: publicProfile(profile),
    validated: outcome !== undefined,
  };
  if (outcome?.sent) data.testMail = { to: outcome.record.to, messageId: outcome.sent.messageId, response: outcome.sent.response };
  if (!run.input.json) {
    const out = ctx.io.out;
    if (outcome) {
      out.write(`${ctx.theme.ok("✓")} ${outcome.evidence.summary}\n`);
      if (outcome.sent) out.write(`${ctx.theme.ok("✓")} Test mail sent to ${outcome.record.to} (${outcome.sent.response}).\n`);
    } else {
      warn(ctx, "saved without validation; run: mailcfg validate " + ownerArgs(run.owner));
    }
    out.write(`${ctx.theme.ok("✓")} Saved the ${run.label}: ${describeSettings(profile)}.\n`);
  }
  return { data };
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
async function askIdentity(ctx: Context, run: SetupRun, given: SenderIdentity, email: string): Promise<SenderIdentity> {
  const { existing, input } = run;
  const fallback = existing?.name ?? defaultDisplayName(run.owner, email);
  const name =
    given.name ??
    (ctx.io.canPrompt && !input.json
      ? checkDisplayName(
          await ctx.prompt.text({
            message: "Display name (shown with the address in From)",
            default: fallback,
            validate: (v) => (v.trim().length > 0 && !/[\r\n]/.test(v) ? true : "Give a name such as Acme Sales"),
          }),
          "display name",
        )
      : fallback);
  const signature = given.signature ?? (ctx.io.canPrompt && !input.json ? await askSignature(ctx, existing?.signature) : existing?.signature);
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
    choices: Object.values(SETUP_FLOWS).map((flow) => ({ name: flow.label, value: flow.type })),
    ...(existing ? { default: existing.type } : {}),
  });
}

/**
 * After a failed validation: check again with exactly the settings given (diagnose takes
 * them as flags), and the setup command that applies the verdict's remedy.
 */
function followUpsOfSetup(err: unknown, run: SetupRun, settings: ProviderSettings): void {
  // --ca as typed; else the CA file in effect (given in the wizard, or saved with the profile).
  const ca = run.input.ca ?? settings.caFiles;
  const { timeout } = run.input;
  const given = { ...(ca ? { caFiles: ca } : {}), ...(timeout ? { timeout } : {}) };
  const fix = { verb: "setup" as const, owner: run.owner, settings, ...given };
  if (settings.type === "gmail") withFollowUps(err, fix, fix);
  else withFollowUps(err, { verb: "diagnose", settings, ...given }, fix);
}

function withNext(err: unknown, owner: Owner): unknown {
  if (isMailError(err) && !err.details.next) {
    err.details.next = `mailcfg setup ${ownerArgs(owner)}`;
  }
  return err;
}

