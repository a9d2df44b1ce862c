import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import type { ConfigStore } from "../config/store.js";
import { ownerArgs, ownerJson, ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import { MailError, NotConfiguredError, UsageError, isMailError, type Category } from "../errors.js";
import { checkEmail } from "../config/fields.js";
import { errorToJson, renderError } from "../ui/render.js";
import { SETUP_FLOWS, flowFor, parseServiceType } from "../senders/flows.js";
import type { ValidateInput } from "../cli/validate.js";
import { failureRecord, rotatedSecretSaver, savedSecretLock, validateSettings } from "../senders/validation.js";
import { parseOwner, parseTimeoutSeconds, readCaFiles, warn, type CommandResult } from "./shared.js";
import { describeSettings } from "../senders/describe.js";
import { reconnectCommand } from "../failures/follow-up.js";
import { withFollowUps } from "../failures/follow-up.js";

const USAGE = "mailcfg validate company | user <id> | --all | --type webmail|exchange [flags]";

/** Exactly one of: a saved profile, --all, or ad hoc settings (--type with provider flags). */
function checkTarget(input: ValidateInput): Owner[] {
  const given = [input.type !== undefined, input.all, input.target !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError("Say what to validate: company, user <id>, --all, or --type with settings.", `Usage: ${USAGE}`);
  return input.target !== undefined ? [parseOwner(input.target, input.id, USAGE)] : [];
}

interface OneResult {
  owner?: Record<string, string>;
  ok: boolean;
  method: "test-mail" | "login";
  profile: string;
  evidence?: string;
  testMail?: { to: string; messageId: string; response: string };
  error?: ReturnType<typeof errorToJson>;
  /** false when the verdict could not be saved with the profile (a read-only config folder). */
  recorded?: boolean;
}

/**
 * Saves the verdict with the profile. A folder that cannot be written does not hide the
 * verdict: it is still reported (and its exit code kept), with a warning that it was not recorded.
 */
function recordVerdict(ctx: Context, config: ConfigStore, owner: Owner, patch: Partial<Profile>): boolean {
  try {
    config.updateProfile(owner, patch);
    return true;
  } catch (err) {
    if (!isMailError(err) || err.category !== "config") throw err;
    warn(ctx, `the result could not be recorded with the profile: ${err.message}`);
    return false;
  }
}

export async function runValidate(ctx: Context, input: ValidateInput): Promise<CommandResult> {
  const owners = checkTarget(input);
  const opts = input.to === undefined ? input : { ...input, to: checkEmail(input.to, "--to") };
  const config = await ctx.config();
  const timeoutMs = parseTimeoutSeconds(opts.timeout, config.settings()["connect-timeout-seconds"]);
  const ca = readCaFiles(opts.ca);
  if (opts.type !== undefined) return validateAdHoc(ctx, opts, opts.type, timeoutMs, ca);

  const targets = opts.all ? config.listProfiles() : owners.map((owner) => ({ owner, profile: config.getProfile(owner) }));
  if (opts.all && targets.length === 0) throw new NotConfiguredError("No profiles are set up yet.", "mailcfg setup company");
  const results: OneResult[] = [];
  let firstFailure: MailError | undefined;
  for (const { owner, profile } of targets) {
    if (!profile) throw new NotConfiguredError(`The ${ownerLabel(owner)} is not set up.`, `mailcfg setup ${ownerArgs(owner)}`);
    const r = await validateSaved(ctx, owner, profile, opts, timeoutMs, ca);
    results.push(r.result);
    firstFailure ??= r.error;
  }

  // A single profile's failure is the command's error (its exit code and JSON error).
  if (!opts.all && firstFailure) throw firstFailure;
  const failed: Category | undefined = firstFailure?.category;
  return { data: { results }, ...(failed ? { failed } : {}) };
}

/** Settings given as flags: validated, nothing saved. */
async function validateAdHoc(ctx: Context, opts: ValidateInput, type: string, timeoutMs: number, ca: string[] | undefined): Promise<CommandResult> {
  const flow = flowFor(parseServiceType(type));
  const collected = await flow.collect(ctx, opts, undefined);
  for (const w of flow.warnings?.(collected.settings) ?? []) warn(ctx, w);
  const given = { settings: collected.settings, ...(opts.ca ? { caFiles: opts.ca } : {}), ...(opts.timeout ? { timeout: opts.timeout } : {}) };
  const outcome = await validateSettings(ctx, {
    settings: collected.settings,
    ...(collected.secret === undefined ? {} : { secret: collected.secret }),
    ...(opts.to ? { to: opts.to } : {}),
    send: opts.send,
    timeoutMs,
    ...(ca ? { ca } : {}),
    label: "ad hoc settings",
  }).catch((err: unknown) => {
    throw withFollowUps(err, { verb: "diagnose", ...given }, { verb: "validate", ...given });
  });
  const r: OneResult = { ok: true, method: outcome.record.method, profile: describeSettings(collected.settings), evidence: outcome.evidence.summary };
  if (outcome.sent) r.testMail = { to: outcome.record.to ?? "", messageId: outcome.sent.messageId, response: outcome.sent.response };
  printResult(ctx, opts, "ad hoc settings", r);
  if (!opts.json) ctx.io.out.write(ctx.theme.dim("Nothing was saved (ad hoc settings).") + "\n");
  return { data: { saved: false, results: [r] } };
}

async function validateSaved(
  ctx: Context,
  owner: Owner,
  profile: Profile,
  opts: ValidateInput,
  timeoutMs: number,
  ca: string[] | undefined,
): Promise<{ result: OneResult; error?: MailError }> {
  const config = await ctx.config();
  const label = ownerLabel(owner);
  const secretName = secretKindFor(profile);
  const secret = await (await ctx.secrets()).get(secretKey(owner, secretName));
  const base = { owner: ownerJson(owner), profile: describeSettings(profile) };
  for (const w of SETUP_FLOWS[profile.type].warnings?.(profile) ?? []) warn(ctx, `${label}: ${w}`);
  try {
    if (secret === undefined) {
      throw new NotConfiguredError(`The ${label} has no saved ${secretName}.`, reconnectCommand(owner, profile) ?? `mailcfg setup ${ownerArgs(owner)}`);
    }
    const outcome = await validateSettings(ctx, {
      settings: profile,
      secret,
      ...(opts.to ? { to: opts.to } : {}),
      send: opts.send,
      timeoutMs,
      ...(ca ? { ca } : {}),
      label,
      onSecretRotated: rotatedSecretSaver(ctx, owner, profile),
      secretLock: savedSecretLock(ctx, owner, profile),
    });
    const recorded = recordVerdict(ctx, config, owner, { validation: outcome.record });
    if (recorded) config.recordUse(owner, outcome.record.at, outcome.sent !== undefined);
    const r: OneResult = { ...base, ok: true, method: outcome.record.method, evidence: outcome.evidence.summary };
    if (!recorded) r.recorded = false;
    if (outcome.sent) r.testMail = { to: outcome.record.to ?? "", messageId: outcome.sent.messageId, response: outcome.sent.response };
    printResult(ctx, opts, label, r);
    return { result: r };
  } catch (err) {
    const error = isMailError(err)
      ? err
      : new MailError("unknown", err instanceof Error ? err.message : String(err), { cause: err });
    const given = { owner, ...(opts.ca ? { caFiles: opts.ca } : {}), ...(opts.timeout ? { timeout: opts.timeout } : {}) };
    error.details.next ??= error.category === "oauth" ? reconnectCommand(owner, profile) : undefined;
    withFollowUps(error, { verb: "diagnose", ...given }, { verb: "setup", ...given });
    const recorded = recordVerdict(ctx, config, owner, { validation: failureRecord(ctx, error, opts.send, opts.to) });
    const r: OneResult = { ...base, ok: false, method: opts.send ? "test-mail" : "login", error: errorToJson(error) };
    if (!recorded) r.recorded = false;
    if (opts.all && !opts.json) {
      ctx.io.out.write(`${ctx.theme.bad("✗")} ${label}: ${error.message}\n`);
      ctx.io.err.write(renderError(error, ctx.theme));
    }
    return { result: r, error };
  }
}

function printResult(ctx: Context, opts: ValidateInput, label: string, r: OneResult): void {
  if (opts.json) return;
  const out = ctx.io.out;
  out.write(`${ctx.theme.ok("✓")} ${label}: ${r.evidence ?? "ok"}\n`);
  if (r.testMail) out.write(`  test mail sent to ${r.testMail.to}: ${r.testMail.response}\n`);
}
