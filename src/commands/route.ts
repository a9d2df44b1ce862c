import type { Context } from "../context.js";
import { UsageError, isMailError, type Category } from "../errors.js";
import { ownerLabel } from "../config/types.js";
import { DOC_KINDS, parseKind, type DocKind } from "../routing/catalogue.js";
import { route, ruleWords, type RouteDecision } from "../routing/route.js";
import { resolveActingUser, savedProfiles, type ActingUser } from "../routing/acting-user.js";
import { errorToJson } from "../ui/render.js";
import { warn, type CommandResult } from "./shared.js";
import type { RouteInput } from "../cli/route.js";
import type { ConfigStore } from "../config/store.js";
import { senderWarning } from "../config/validation-state.js";

const USAGE = "mailcfg route --doc <kind> [--user <id>] | mailcfg route --all [--user <id>]";

/** One kind (--doc) or every kind (--all): the kind, or undefined for all. */
function kindAsked(input: RouteInput): DocKind | undefined {
  if (input.all === (input.doc !== undefined)) throw new UsageError("Give either --doc <kind> or --all.", `Usage: ${USAGE}`);
  return input.doc === undefined ? undefined : parseKind(input.doc);
}

export async function runRoute(ctx: Context, input: RouteInput): Promise<CommandResult> {
  const opts = { ...input, kind: kindAsked(input) };
  const config = await ctx.config();
  const settings = config.settings();
  const acting = resolveActingUser(opts.user, ctx.env, settings);
  const profiles = savedProfiles(config);

  if (opts.kind) {
    const decision = route(opts.kind, acting.id, profiles, settings);
    const warnings = warningsFor(ctx, config, [decision]);
    if (!opts.json) {
      const out = ctx.io.out;
      out.write(`${ctx.theme.bold(decision.kind)}: sent from ${decision.email} (${senderWords(decision)})\n`);
      for (const line of decision.explanation) out.write(`  ${line}\n`);
      if (acting.id) out.write(ctx.theme.dim(`  Acting user ${acting.id}, from ${acting.source}.`) + "\n");
    }
    return { data: { ...decision, userSource: acting.source, warnings } };
  }

  const rows = DOC_KINDS.map((kind) => routeRow(kind, acting, profiles, settings));
  const firstFailure = rows.find((r) => r.error)?.error?.category as Category | undefined;
  const warnings = warningsFor(ctx, config, rows.filter((r): r is RouteDecision => !r.error));
  if (!opts.json) printTable(ctx, rows, acting, settings);
  return { data: { user: acting.id ?? null, userSource: acting.source, routes: rows, warnings }, ...(firstFailure ? { failed: firstFailure } : {}) };
}

/** One warning (on stderr, and for --json) per chosen sender that is not validated. */
function warningsFor(ctx: Context, config: ConfigStore, decisions: RouteDecision[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of decisions) {
    const key = JSON.stringify(d.profile.owner);
    if (seen.has(key)) continue;
    seen.add(key);
    const profile = config.getProfile(d.profile.owner);
    const w = profile ? senderWarning(d.profile.owner, profile) : undefined;
    if (w) {
      warn(ctx, w);
      out.push(w);
    }
  }
  return out;
}

type Row = (RouteDecision & { error?: undefined }) | { kind: string; kindName: string; rule: string; error: ReturnType<typeof errorToJson> };

function routeRow(kind: DocKind, acting: ActingUser, profiles: ReturnType<typeof savedProfiles>, settings: Parameters<typeof route>[3]): Row {
  try {
    return route(kind, acting.id, profiles, settings);
  } catch (err) {
    if (!isMailError(err)) throw err;
    return { kind: kind.id, kindName: kind.name, rule: ruleWords(kind, settings), error: errorToJson(err) };
  }
}

function senderWords(d: RouteDecision): string {
  const who = ownerLabel(d.profile.owner);
  if (!d.fallback) return who;
  return d.fallbackReason === "no-acting-user" ? `${who}, fallback: no acting user` : `${who}, fallback: ${d.user} has no User Email`;
}

function printTable(ctx: Context, rows: Row[], acting: ActingUser, settings: Parameters<typeof route>[3]): void {
  const out = ctx.io.out;
  out.write(acting.id ? `Acting user: ${acting.id} (from ${acting.source})\n` : "No acting user (give --user, MAILCFG_USER or the default-user setting).\n");
  const cells = rows.map((r) => {
    const kind = DOC_KINDS.find((k) => k.id === r.kind);
    const sender = r.error ? ctx.theme.bad(`not configured: run ${r.error.next ?? "mailcfg setup company"}`) : `${r.email} (${senderWords(r)})`;
    return [r.kind, kind ? ruleWords(kind, settings) : "", sender] as const;
  });
  const kindWidth = Math.max(...cells.map((c) => c[0].length)) + 2;
  const ruleWidth = Math.max(...cells.map((c) => c[1].length)) + 2;
  out.write(ctx.theme.dim(`${"KIND".padEnd(kindWidth)}${"RULE".padEnd(ruleWidth)}SENT FROM`) + "\n");
  for (const [kind, rule, sender] of cells) out.write(`${kind.padEnd(kindWidth)}${rule.padEnd(ruleWidth)}${sender}\n`);
}
