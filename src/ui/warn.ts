import type { Context } from "../context.js";

/** A warning on stderr: something the user should know, that does not stop the command. */
export function warn(ctx: Context, text: string): void {
  ctx.io.err.write(`${ctx.theme.warn("warning")}: ${text}\n`);
}
