import type { Context } from "../context.js";
import type { Owner } from "../config/types.js";
import { ownerArgs } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { Discovered, Discovery } from "../discovery/types.js";
import type { ProviderFlags } from "./flow.js";
import { askEmail } from "./ask-email.js";
import { progress } from "./input.js";

/** Flags that say which server to use: when any is given, the flags win and nothing is looked up. */
const SERVER_FLAGS = ["type", "preset", "host", "port", "security", "ewsUrl", "domain"] as const;

export interface DiscoverStep {
  /** Whether to look up at all: false with --no-discover, true with --discover, undefined: on a terminal only. */
  discover: boolean | undefined;
  json: boolean;
  ca?: string[];
}

/**
 * The wizard's first step: the address, then its settings looked up and offered. Returns
 * the flags for the first round of questions, the found settings filled in (the flow then
 * asks only what is still missing: the password). Without a terminal it runs only with
 * --discover, fills in only what the flags left out, and takes trusted results only.
 */
export async function discoverForSetup(ctx: Context, flags: ProviderFlags, step: DiscoverStep, owner: Owner, existing: boolean): Promise<ProviderFlags> {
  const serverGiven = SERVER_FLAGS.some((f) => flags[f] !== undefined);
  const interactive = ctx.io.canPrompt && !step.json;
  if (step.discover === false) return flags;
  if (step.discover !== true && (!interactive || serverGiven || existing)) return flags;

  const email = interactive ? await askEmail(ctx, flags.email, undefined, "") : flags.email;
  if (!email) throw new UsageError("--discover needs --email (the address whose settings to look up).");
  const found = await lookUp(ctx, email, step.ca);
  const withEmail = { ...flags, email };
  if (!interactive) return unattended(ctx, withEmail, found);
  if (!found.settings) {
    ctx.io.err.write(`${ctx.theme.warn("!")} No settings found for ${email}: asking for them.\n`);
    return withEmail;
  }
  return offer(ctx, withEmail, found, owner);
}

async function lookUp(ctx: Context, email: string, ca: string[] | undefined): Promise<Discovery> {
  const { discover } = await import("../discovery/discover.js");
  const { discoveryOptions, DEFAULT_DISCOVERY_SECONDS } = await import("../discovery/options.js");
  progress(ctx, `looking up the settings for ${email}`);
  return discover(email, discoveryOptions(ctx, DEFAULT_DISCOVERY_SECONDS * 1000, ca));
}

/** A found password route as the flags the Webmail flow takes. */
function smtpFlags(flags: ProviderFlags, d: Discovered): ProviderFlags {
  return {
    ...flags,
    type: "webmail",
    host: flags.host ?? d.host,
    port: flags.port ?? String(d.port),
    security: flags.security ?? d.security,
    ...(flags.username === undefined && d.username !== flags.email ? { username: d.username } : {}),
  };
}

/** CI with --discover: the trusted password route fills the missing server flags. */
function unattended(ctx: Context, flags: ProviderFlags, found: Discovery): ProviderFlags {
  const route = found.candidates.find((c) => c.auth === "password" && c.trusted);
  if (!route) {
    const untrusted = found.candidates.find((c) => c.auth === "password");
    throw new UsageError(
      untrusted
        ? `--discover: the only settings found for ${flags.email} (${untrusted.host}:${untrusted.port}) are not trusted (source ${untrusted.source}).`
        : `--discover: no settings found for ${flags.email}.`,
      "Give them as flags: --host <server> --port <port> --security starttls|tls|none (see mailcfg discover " + flags.email + ").",
    );
  }
  const first = found.settings;
  if (first && first.auth !== "password") {
    ctx.io.err.write(`${ctx.theme.warn("note")}: ${found.provider ?? "this provider"} is better connected with OAuth (${first.auth === "oauth2-google" ? "mailcfg connect-gmail" : "mailcfg connect-microsoft"}); using the password route.\n`);
  }
  ctx.io.err.write(ctx.theme.dim(`Found ${route.host}:${route.port} (${route.security}) in ${route.source}.`) + "\n");
  return smtpFlags(flags, route);
}

/** On a terminal: show what was found, where, and let the user take it. */
async function offer(ctx: Context, flags: ProviderFlags, found: Discovery, owner: Owner): Promise<ProviderFlags> {
  const { serverWords, passwordNote } = await import("../discovery/describe.js");
  const { sourceWords, untrustedWhy } = await import("../discovery/describe.js");
  const first = found.settings;
  if (!first) return flags;
  const err = ctx.io.err;
  const note = passwordNote(found);

  if (first.auth !== "password") {
    // Microsoft 365 and Google: the OAuth route first, the password route with what it needs.
    const password = found.candidates.find((c) => c.auth === "password");
    err.write(`${ctx.theme.ok("✓")} ${flags.email} is ${found.provider ?? "a known provider"} (found in ${sourceWords(first)}).\n`);
    if (!first.trusted) err.write(`  ${ctx.theme.warn("not trusted")}: ${untrustedWhy(first)}.\n`);
    if (password && note) err.write(`  ${ctx.theme.warn("note")} on the password route: ${note}\n`);
    const oauth = first.auth === "oauth2-microsoft" ? "Sign in with Microsoft (OAuth, no password; recommended)" : "Connect Gmail with a Google sign-in (Email Services; recommended)";
    type Pick = "oauth" | "password" | "manual";
    const choice = await ctx.prompt.select<Pick>({
      message: `How should ${flags.email} send?`,
      choices: [
        { name: oauth, value: "oauth" },
        ...(password ? [{ name: `Password over SMTP: ${serverWords(password)}`, value: "password" as const }] : []),
        { name: "Enter the settings myself", value: "manual" },
      ],
      default: first.trusted ? "oauth" : "manual",
    });
    if (choice === "manual") return flags;
    if (choice === "password" && password) return smtpFlags(flags, password);
    if (first.auth === "oauth2-microsoft") return { ...flags, type: "webmail", preset: "microsoft-oauth" };
    return { ...flags, type: "gmail" };
  }

  err.write(`${ctx.theme.ok("✓")} Found ${serverWords(first)}${first.username !== flags.email ? `, login ${first.username}` : ""} in ${sourceWords(first)}${found.provider ? ` (${found.provider})` : ""}.\n`);
  if (note) err.write(`  ${ctx.theme.warn("note")}: ${note}\n`);
  if (!first.trusted) err.write(`  ${ctx.theme.warn("not trusted")}: ${untrustedWhy(first)}. Use it only if your provider confirms it.\n`);
  const use = await ctx.prompt.confirm({
    message: first.trusted ? `Use ${first.host}:${first.port} (${securityWords(first)})?` : `Use ${first.host}:${first.port} (${securityWords(first)}) although it is not trusted?`,
    default: first.trusted,
  });
  if (!use) {
    err.write(ctx.theme.dim(`Then enter the settings (or run mailcfg setup ${ownerArgs(owner)} --no-discover).`) + "\n");
    return flags;
  }
  return smtpFlags(flags, first);
}

function securityWords(d: Discovered): string {
  return d.security === "tls" ? "implicit TLS" : d.security === "starttls" ? "STARTTLS" : "no encryption";
}
