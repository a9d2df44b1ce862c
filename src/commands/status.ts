import type { Context } from "../context.js";
import type { StatusInput } from "../cli/status.js";
import { followUpCommand } from "../failures/follow-up.js";
import { isActionable } from "../failures/remedy.js";
import type { Owner, Profile } from "../config/types.js";
import { ownerArgs, ownerJson, ownerLabel, secretKey, secretKindFor } from "../config/types.js";
import type { SecretStore } from "../config/secrets.js";
import type { Category } from "../errors.js";
import { serverOf } from "../senders/describe.js";
import { kindRow } from "../config/sender-kinds.js";
import { basicAuthNote } from "../providers/microsoft-basic-auth.js";
import type { CommandResult } from "./shared.js";
import { printable } from "../ui/printable.js";
import { reconnectCommand } from "../failures/follow-up.js";
import { validationState } from "../config/validation-state.js";

/** A status line's verdict for one profile, and the command that moves it forward. */
export interface ProfileStatus {
  owner: Record<string, string>;
  type: Profile["type"];
  email: string;
  server: string;
  state: "ok" | "failing" | "never-validated";
  validation?: Profile["validation"];
  lastUsedAt?: string;
  connectedAt?: string;
  /** The display name shown in From. */
  name?: string;
  /** Where the profile's secret is kept, and whether it is there. */
  secret?: SecretPlace;
  /** OAuth profiles: the account signed in, and when its token was last refreshed. */
  oauth?: { provider: "google" | "microsoft"; account: string; clientId: string; tenant?: string; tokenRefreshedAt?: string };
  notes: string[];
  fix?: string;
  /** For a profile on a dying setup (Microsoft 365 with a password): the command that moves it. */
  move?: string;
}

export interface SecretPlace {
  kind: "password" | "refresh-token";
  store: "file" | "keyring" | "none";
  location?: string;
  saved: boolean;
}

export function profileStatus(owner: Owner, p: Profile): ProfileStatus {
  const v = p.validation;
  const state: ProfileStatus["state"] = validationState(p);
  const notes: string[] = [];
  const s: ProfileStatus = { owner: ownerJson(owner), type: p.type, email: p.email, server: serverOf(p), state, notes };
  if (v) s.validation = v;
  if (p.lastUsedAt) s.lastUsedAt = p.lastUsedAt;
  if ("connectedAt" in p && p.connectedAt) s.connectedAt = p.connectedAt;
  if (p.name) s.name = p.name;
  const oauth = oauthOf(p);
  if (oauth) s.oauth = oauth;
  const note = kindRow(p).note?.(p);
  if (note) notes.push(note);
  const basicAuth = basicAuthNote(owner, p);
  if (basicAuth) {
    notes.push(basicAuth.note);
    s.move = basicAuth.command;
  }
  if (state === "failing") {
    // The verdict's remedy when the last validation recorded one (a setting to change, a
    // connection to make again); else reconnect an OAuth profile, or diagnose.
    s.fix =
      (isActionable(v?.remedy) ? followUpCommand("setup", { owner }, v.remedy) : undefined) ??
      (v?.category === "oauth" ? reconnectCommand(owner, p) : undefined) ??
      `mailcfg diagnose ${ownerArgs(owner)}`;
  }
  if (state === "never-validated") s.fix = `mailcfg validate ${ownerArgs(owner)}`;
  return s;
}

function oauthOf(p: Profile): ProfileStatus["oauth"] {
  const provider = kindRow(p).signIn;
  if (!provider || p.type === "exchange") return undefined;
  const refreshed = p.tokenRefreshedAt ?? p.connectedAt;
  const tenant = "tenant" in p && p.tenant ? { tenant: p.tenant } : {};
  return { provider, account: p.email, clientId: p.clientId ?? "", ...tenant, ...(refreshed ? { tokenRefreshedAt: refreshed } : {}) };
}

/**
 * The secret store as it is, without choosing one: status only reads, so a first run
 * must not pick (and remember) a store. MAILCFG_SECRET_STORE, then the saved choice;
 * with no choice made yet, the secrets file if there is one.
 */
async function currentSecretStore(ctx: Context, saved: "file" | "keyring" | undefined): Promise<SecretStore | undefined> {
  const env = ctx.env.MAILCFG_SECRET_STORE;
  const choice = env === "file" || env === "keyring" ? env : saved;
  if (choice === "keyring") return ctx.secrets().catch(() => undefined);
  const { FileSecretStore } = await import("../config/secrets.js");
  const file = new FileSecretStore(ctx.configDir);
  if (choice === "file") return file;
  const { existsSync } = await import("node:fs");
  return existsSync(file.path) ? file : undefined;
}

async function secretPlace(store: SecretStore | undefined, owner: Owner, p: Profile): Promise<SecretPlace> {
  const kind = secretKindFor(p);
  if (!store) return { kind, store: "none", saved: false };
  const saved = (await store.get(secretKey(owner, kind)).catch(() => undefined)) !== undefined;
  return { kind, store: store.kind, location: store.location, saved };
}

export async function runStatus(ctx: Context, opts: StatusInput): Promise<CommandResult> {
  const config = await ctx.config();
  const all = config.listProfiles();
  const statuses = all.map(({ owner, profile }) => profileStatus(owner, profile));
  const store = all.length > 0 ? await currentSecretStore(ctx, config.savedSettings()["secret-store"]) : undefined;
  for (const [i, { owner, profile }] of all.entries()) {
    const s = statuses[i]!;
    s.secret = await secretPlace(store, owner, profile);
    if (!s.secret.saved) {
      s.notes.push(`no saved ${s.secret.kind} was found${s.secret.location ? ` in ${s.secret.location}` : ""}: sending will fail`);
      s.fix ??= reconnectCommand(owner, profile) ?? `mailcfg setup ${ownerArgs(owner)}`;
    }
  }
  // Every warning of the plain output, for --json too.
  const warnings: string[] = [];
  if (all.length === 0) warnings.push("No profiles are set up. Start with: mailcfg setup company");
  else if (!config.getProfile({ kind: "company" })) {
    warnings.push("No Company Email: automatic mail and users without a User Email cannot send. Run: mailcfg setup company");
  }
  const failed = failedCategory(all, statuses, opts.strict);

  if (!opts.json) {
    const out = ctx.io.out;
    if (all.length === 0) out.write(`${warnings[0]}\n`);
    else for (const w of warnings) out.write(`${ctx.theme.warn("!")} ${w}\n`);
    for (const [i, s] of statuses.entries()) {
      const entry = all[i];
      if (entry) printProfileStatus(ctx, entry.owner, s);
    }
  }
  return {
    data: { profiles: statuses, warnings, configFile: config.path },
    ...(failed ? { failed } : {}),
  };
}

/** The exit category: the first failing profile's, or with --strict "not-configured" for one never validated. */
function failedCategory(all: Array<{ profile: Profile }>, statuses: ProfileStatus[], strict: boolean): Category | undefined {
  const firstFailing = all.find(({ profile }) => profile.validation && !profile.validation.ok);
  if (firstFailing) return (firstFailing.profile.validation?.category as Category | undefined) ?? "unknown";
  // --strict: a profile never validated fails the check too (the product would not send from it).
  return strict && statuses.some((s) => s.state === "never-validated") ? "not-configured" : undefined;
}

function printProfileStatus(ctx: Context, owner: Owner, s: ProfileStatus): void {
  const out = ctx.io.out;
  const mark = s.state === "ok" ? ctx.theme.ok("✓") : s.state === "failing" ? ctx.theme.bad("✗") : ctx.theme.warn("?");
  out.write(`${mark} ${ownerLabel(owner)}: ${s.type} ${s.email} via ${s.server}\n`);
  if (s.name) out.write(`    sends as "${s.name}" <${s.email}>\n`);
  const v = s.validation;
  if (v) {
    const how = v.method === "test-mail" ? `test mail${v.to ? " to " + v.to : ""}` : "login only";
    out.write(`    last validated ${v.at} (${how}): ${v.ok ? "passed" : `FAILED [${v.category}] ${printable(v.message ?? "")}`}\n`);
  } else {
    out.write(`    ${ctx.theme.warn("never validated")}: not to be used for sending until it is\n`);
  }
  if (s.connectedAt) out.write(`    connected ${s.connectedAt}\n`);
  if (s.oauth) {
    const who = s.oauth.provider === "google" ? "Google" : `Microsoft${s.oauth.tenant ? `, tenant ${s.oauth.tenant}` : ""}`;
    out.write(`    OAuth account ${s.oauth.account} (${who}, client ${s.oauth.clientId}); token last refreshed ${s.oauth.tokenRefreshedAt ?? "never"}\n`);
  }
  const sec = s.secret;
  if (sec?.saved) out.write(`    ${sec.kind} stored in ${sec.store === "keyring" ? sec.location : `the file ${sec.location}`}\n`);
  if (s.lastUsedAt) out.write(`    last used ${s.lastUsedAt}\n`);
  for (const n of s.notes) out.write(`    ${ctx.theme.warn("note")}: ${n}\n`);
  if (s.fix) out.write(`    fix: ${ctx.theme.cmd(s.fix)}\n`);
}
