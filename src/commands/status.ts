import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { ownerArgs, ownerJson, ownerLabel } from "../config/types.js";
import type { Category } from "../errors.js";
import { serverOf } from "./describe.js";
import { exchangeLoginName } from "../config/exchange-fields.js";
import { basicAuthNote } from "../providers/microsoft-basic-auth.js";
import type { CommandResult } from "./shared.js";
import { printable } from "../ui/printable.js";
import { reconnectCommand } from "./reconnect.js";

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
  notes: string[];
  fix?: string;
}

export function profileStatus(owner: Owner, p: Profile): ProfileStatus {
  const v = p.validation;
  const state: ProfileStatus["state"] = !v ? "never-validated" : v.ok ? "ok" : "failing";
  const notes: string[] = [];
  const s: ProfileStatus = { owner: ownerJson(owner), type: p.type, email: p.email, server: serverOf(p), state, notes };
  if (v) s.validation = v;
  if (p.lastUsedAt) s.lastUsedAt = p.lastUsedAt;
  if ((p.type === "gmail" || p.type === "webmail") && p.connectedAt) s.connectedAt = p.connectedAt;
  if (p.type === "exchange") notes.push(`signs in as ${exchangeLoginName(p)}`);
  const basicAuth = basicAuthNote(owner, p);
  if (basicAuth) notes.push(basicAuth.note);
  if (state === "failing") s.fix = (v?.category === "oauth" ? reconnectCommand(owner, p) : undefined) ?? `mailcfg diagnose ${ownerArgs(owner)}`;
  if (state === "never-validated") s.fix = `mailcfg validate ${ownerArgs(owner)}`;
  return s;
}

export async function runStatus(ctx: Context, opts: { json: boolean }): Promise<CommandResult> {
  const config = await ctx.config();
  const all = config.listProfiles();
  const statuses = all.map(({ owner, profile }) => profileStatus(owner, profile));
  const firstFailing = all.find(({ profile }) => profile.validation && !profile.validation.ok);
  const failed = firstFailing ? ((firstFailing.profile.validation?.category as Category | undefined) ?? "unknown") : undefined;

  if (!opts.json) {
    const out = ctx.io.out;
    if (all.length === 0) {
      out.write("No profiles are set up. Start with: mailcfg setup company\n");
    } else if (!config.getProfile({ kind: "company" })) {
      out.write(`${ctx.theme.warn("!")} No Company Email: automatic mail and users without a User Email cannot send. Run: mailcfg setup company\n`);
    }
    for (const [i, s] of statuses.entries()) {
      const entry = all[i];
      if (!entry) continue;
      const mark = s.state === "ok" ? ctx.theme.ok("✓") : s.state === "failing" ? ctx.theme.bad("✗") : ctx.theme.warn("?");
      out.write(`${mark} ${ownerLabel(entry.owner)}: ${s.type} ${s.email} via ${s.server}\n`);
      const v = s.validation;
      if (v) {
        const how = v.method === "test-mail" ? `test mail${v.to ? " to " + v.to : ""}` : "login only";
        out.write(`    last validated ${v.at} (${how}): ${v.ok ? "passed" : `FAILED [${v.category}] ${printable(v.message ?? "")}`}\n`);
      } else {
        out.write("    never validated\n");
      }
      if (s.connectedAt) out.write(`    connected ${s.connectedAt}\n`);
      if (s.lastUsedAt) out.write(`    last used ${s.lastUsedAt}\n`);
      for (const n of s.notes) out.write(`    ${ctx.theme.warn("note")}: ${n}\n`);
      if (s.fix) out.write(`    fix: ${ctx.theme.cmd(s.fix)}\n`);
    }
  }
  return {
    data: { profiles: statuses, configFile: config.path },
    ...(failed ? { failed } : {}),
  };
}
