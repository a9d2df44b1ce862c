import { arg, defineCommand, type Input } from "./definition.js";

const args = { shell: arg.optional("[shell]", "bash, zsh or fish") };

export type CompletionInput = Input<typeof args, Record<never, never>>;

export const completion = defineCommand({
  name: "completion",
  summary: "shell completion: bash, zsh, fish",
  description: "print a shell completion script: commands, flags, document kinds, saved user ids",
  args,
  help: `
The script asks mailcfg at each TAB, so new user ids complete at once.

Install:
  bash:  echo 'source <(mailcfg completion bash)' >> ~/.bashrc
  zsh:   mailcfg completion zsh > "\${fpath[1]}/_mailcfg"      # then start a new zsh
         (or, after compinit in ~/.zshrc: source <(mailcfg completion zsh))
  fish:  mailcfg completion fish > ~/.config/fish/completions/mailcfg.fish

Examples:
  $ source <(mailcfg completion bash)
  $ mailcfg validate user <TAB>          # the saved user ids`,
  load: async () => (await import("../commands/complete.js")).runCompletion,
});
