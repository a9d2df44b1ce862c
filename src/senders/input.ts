import type { Context } from "../context.js";
import { UsageError } from "../errors.js";

/**
 * What a sender's setup reads from the person or the pipe: secrets (never from a flag
 * value) and progress lines. Shared by every setup flow and by the commands.
 */
const STDIN_LIMIT = 64 * 1024;

/** Reads all of stdin (for --password-stdin), without the final newline; at most STDIN_LIMIT bytes. */
export async function readStdin(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of ctx.io.stdin) {
    const chunk = typeof c === "string" ? Buffer.from(c) : (c as Buffer);
    total += chunk.length;
    if (total > STDIN_LIMIT) {
      ctx.io.stdin.destroy();
      throw new UsageError(`Standard input is larger than ${STDIN_LIMIT / 1024} KB; mailcfg reads only a secret or an error message from it.`, "Pipe only that, e.g. printf %s \"$PASSWORD\" | mailcfg ... --password-stdin");
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export interface SecretSource {
  passwordStdin?: boolean;
  /** A retry after a failed validation: keep the password typed before, or ask it again. */
  keepPassword?: boolean;
  retypePassword?: boolean;
  /** Editing after a failed login: offer to type it again first. */
  retypeDefault?: boolean;
}

/**
 * The password, from --password-stdin, then MAILCFG_PASSWORD, then a hidden prompt on a
 * terminal. Never from a flag value. Without a terminal a missing password names the
 * two ways to give it.
 */
export async function readPassword(
  ctx: Context,
  src: SecretSource,
  ask: { message: string } | undefined,
  envName = "MAILCFG_PASSWORD",
): Promise<string | undefined> {
  if (src.passwordStdin) {
    if (ctx.io.stdinIsTTY) throw new UsageError("--password-stdin needs the password piped in, e.g. printf %s \"$PW\" | mailcfg ...");
    const pw = await readStdin(ctx);
    if (!pw) throw new UsageError("--password-stdin: standard input was empty.");
    return pw;
  }
  const fromEnv = ctx.env[envName];
  if (fromEnv) return fromEnv;
  if (!ask) return undefined;
  if (!ctx.io.canPrompt) {
    throw new UsageError(
      "No password given and no terminal to ask for it.",
      `Pipe it with --password-stdin or set ${envName}; a password is never taken from a flag value.`,
    );
  }
  return ctx.prompt.password({ message: ask.message, validate: (v) => (v.length > 0 ? true : "The password cannot be empty.") });
}

/**
 * The password for a setup flow that may already hold one: the saved password of the
 * profile being edited, or the one typed before a failed validation. A new one given
 * (--password-stdin, MAILCFG_PASSWORD) wins; on a terminal the user is asked whether to
 * keep it; without a terminal it is kept. A saved password is kept only for the same
 * server (`sameServer`), so it never goes to a server it was not saved for.
 */
export async function passwordKeepingPrevious(
  ctx: Context,
  src: SecretSource,
  previous: { secret?: string; secretSaved?: boolean } | undefined,
  sameServer: boolean,
  ask: { message: string },
): Promise<string | undefined> {
  const kept = previous?.secret;
  const keepable = kept !== undefined && (sameServer || !previous?.secretSaved);
  if (keepable && src.keepPassword) return kept;
  if (keepable && !src.retypePassword && !src.passwordStdin && !ctx.env.MAILCFG_PASSWORD) {
    if (!ctx.io.canPrompt) return kept;
    const message = previous?.secretSaved ? "Keep the saved password?" : "Keep the password you typed?";
    // After a refused login, typing it again is the likely fix.
    if (await ctx.prompt.confirm({ message, default: src.retypeDefault !== true })) return kept;
  }
  if (kept !== undefined && previous?.secretSaved && !sameServer && !ctx.io.canPrompt && !src.passwordStdin && !ctx.env.MAILCFG_PASSWORD) {
    throw new UsageError(
      "The server changed, so the saved password is not sent to it.",
      "Give the password for the new server with --password-stdin or MAILCFG_PASSWORD.",
    );
  }
  return readPassword(ctx, src, ask);
}

/** A progress line on stderr, only when stderr is a terminal. */
export function progress(ctx: Context, text: string): void {
  if (ctx.io.errIsTTY) ctx.io.err.write(ctx.theme.dim(`… ${text}`) + "\n");
}
