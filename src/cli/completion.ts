import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";

export function completionCommand(ctx: Context, done: Done): Command {
  return new Command("completion")
    .description("print a shell completion script: commands, flags, document kinds, saved user ids")
    .argument("[shell]", "bash, zsh or fish")
    .addHelpText(
      "after",
      `
The script asks mailcfg at each TAB, so new user ids complete at once.

Install:
  bash:  echo 'source <(mailcfg completion bash)' >> ~/.bashrc
  zsh:   mailcfg completion zsh > "\${fpath[1]}/_mailcfg"      # then start a new zsh
         (or, after compinit in ~/.zshrc: source <(mailcfg completion zsh))
  fish:  mailcfg completion fish > ~/.config/fish/completions/mailcfg.fish

Examples:
  $ source <(mailcfg completion bash)
  $ mailcfg validate user <TAB>          # the saved user ids`,
    )
    .action(async (shell: string | undefined) => {
      const { UsageError } = await import("../errors.js");
      const { COMPLETION_SCRIPTS } = await import("../commands/complete.js");
      if (shell !== "bash" && shell !== "zsh" && shell !== "fish") {
        throw new UsageError(shell ? `Unknown shell "${shell}": expected bash, zsh or fish.` : "Say which shell: bash, zsh or fish.", "Usage: mailcfg completion bash|zsh|fish");
      }
      ctx.io.out.write(COMPLETION_SCRIPTS[shell]);
      done({});
    });
}
