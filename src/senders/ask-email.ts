import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { checkEmail, emailProblem } from "../config/fields.js";

/**
 * The sender address, as every setup flow gets it: --email first, then a question on a
 * terminal (offering what was typed before), then the saved value; without any of them,
 * a usage error naming --email.
 */
export async function askEmail(ctx: Context, flag: string | undefined, previous: string | undefined, missing: string): Promise<string> {
  if (flag) return checkEmail(flag, "--email");
  if (ctx.io.canPrompt) {
    const typed = await ctx.prompt.text({
      message: "Email address",
      ...(previous ? { default: previous } : {}),
      validate: (v) => {
        const p = emailProblem(v.trim());
        return p ? `Not a valid address: ${p}` : true;
      },
    });
    return checkEmail(typed, "email");
  }
  if (previous) return previous;
  throw new UsageError(missing);
}
