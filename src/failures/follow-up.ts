/**
 * The command to run after a failure, built from the settings actually used, so that it
 * runs as printed: every setting and flag the user gave (--ca, --port, --security,
 * --username, --timeout, ...) is kept, and a secret never is (it comes from the same
 * --password-stdin, MAILCFG_PASSWORD or prompt as before).
 */
import type { Owner, ProviderSettings } from "../config/types.js";
import { ownerArgs } from "../config/types.js";
import { kindRow } from "../config/sender-kinds.js";
import { flagWord, settingsAsFlags } from "../config/settings-flags.js";
import type { Remedy } from "./facts.js";
import { isMailError } from "../errors.js";

export interface FollowUpSubject {
  /** The saved profile it is about; with `settings` too, a setup of that owner. */
  owner?: Owner;
  /** Settings given as flags (ad hoc, or a setup that failed); unset for a saved profile. */
  settings?: ProviderSettings;
  /** CA files given with --ca on this run (a saved profile keeps its own). */
  caFiles?: readonly string[];
  /** --timeout as given. */
  timeout?: string;
}

export type FollowUpVerb = "diagnose" | "validate" | "setup";

/** Quotes a value for a POSIX shell when it needs it. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The remedy fields that change a webmail setting: the setting, and the flag that gives it. */
const REMEDY_SETTINGS = [
  ["host", "host"],
  ["port", "port"],
  ["security", "security"],
  ["username", "username"],
  ["servername", "tlsServername"],
] as const;

/** The changes a remedy makes to settings, as [setting, value]. */
function remedyChanges(r: Remedy): Array<[(typeof REMEDY_SETTINGS)[number][0], string | number]> {
  return REMEDY_SETTINGS.flatMap(([key]) => (r[key] !== undefined && r[key] !== "" ? [[key, r[key]] as [typeof key, string | number]] : []));
}

/** Settings with a remedy applied; a remedy that is not a setting (reconnect, retype) changes nothing here. */
export function applyRemedy<S extends ProviderSettings>(s: S, r: Remedy | undefined): S {
  if (!r || s.type !== "webmail") return s;
  return { ...s, ...Object.fromEntries(remedyChanges(r)) };
}

/**
 * `mailcfg <verb> ...` for the subject. With a remedy, the command that tries the fix:
 * the changed settings, `--ca <file>` when a CA file is needed, or the reconnect command.
 */
export function followUpCommand(verb: FollowUpVerb, subject: FollowUpSubject, remedy?: Remedy): string {
  if (remedy?.reconnect && subject.owner) {
    return `mailcfg connect-${remedy.reconnect} ${ownerArgs(subject.owner)}`;
  }
  const words = ["mailcfg", verb];
  const flags: Array<readonly [string, string | undefined]> = [];
  const { owner, settings } = subject;
  if (verb === "setup" && owner) words.push(ownerArgs(owner));
  else if (!settings && owner) words.push(ownerArgs(owner));
  if (settings) flags.push(...settingsAsFlags(applyRemedy(settings, remedy)).map(([name, value]) => [flagWord(name), value] as const));
  else if (remedy) {
    // A saved profile: `setup` starts from the saved values, so only the changes are given.
    const flagOf = Object.fromEntries(REMEDY_SETTINGS);
    for (const [key, value] of remedyChanges(remedy)) flags.push([flagWord(flagOf[key] ?? key), String(value)]);
  }
  for (const ca of subject.caFiles ?? []) flags.push(["--ca", ca]);
  if (remedy?.ca === "required" && (subject.caFiles ?? []).length === 0) flags.push(["--ca", "<ca-file.pem>"]);
  if (subject.timeout !== undefined) flags.push(["--timeout", subject.timeout]);
  for (const [flag, value] of flags) if (value !== undefined && value !== "") words.push(flag, value === "<ca-file.pem>" ? value : shellQuote(value));
  return words.join(" ");
}

/**
 * Sets the error's follow-ups: `next` (check again with the same settings) unless it has
 * one, and the command that applies its remedy, if it has one.
 */
export function withFollowUps(err: unknown, check: FollowUpSubject & { verb: FollowUpVerb }, fix?: FollowUpSubject & { verb: FollowUpVerb }): unknown {
  if (!isMailError(err)) return err;
  const d = err.details;
  d.next ??= followUpCommand(check.verb, check);
  if (d.remedy && fix && !d.remedyCommand) d.remedyCommand = followUpCommand(fix.verb, fix, d.remedy);
  return err;
}

/**
 * The command that connects an OAuth profile again, for `oauth` failures (revoked or
 * expired refresh token); undefined for profiles that sign in with a password.
 */
export function reconnectCommand(owner: Owner, s: ProviderSettings): string | undefined {
  return kindRow(s).reconnect?.(ownerArgs(owner));
}
