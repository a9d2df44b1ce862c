import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command, Option } from "commander";
import type { Context } from "../context.js";
import type { CompletionInput } from "../cli/completion.js";
import type { CommandResult } from "./shared.js";
import { UsageError } from "../errors.js";
import { suggestedValues } from "../cli/definition.js";

/**
 * `mailcfg __complete <word>...`: the candidates for the last word (which may be
 * empty), one a line, for the shell scripts of `mailcfg completion`. Commands, sub-
 * commands and flags come from the command definitions themselves; document kinds from
 * the catalogue; user ids from config.json as it is now. The shell filters by prefix.
 * Nothing is printed where a file name goes: the shell completes files there.
 */
export async function completions(ctx: Context, program: Command, words: string[]): Promise<string[]> {
  const cur = words.at(-1) ?? "";
  const before = words.slice(0, -1);
  let cmd = program;
  const positionals: string[] = [];
  let pending: Option | undefined;
  for (const w of before) {
    if (pending) {
      pending = undefined;
      continue;
    }
    if (w.startsWith("-")) {
      const opt = findOption(cmd, w);
      if (opt && (opt.required || opt.optional) && !w.includes("=")) pending = opt;
      continue;
    }
    const sub = positionals.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else positionals.push(w);
  }
  if (pending) return valuesFor(ctx, pending);
  if (cur.startsWith("-")) {
    const own = cmd.options.filter((o) => !o.hidden && o.long).map((o) => o.long as string);
    return [...new Set([...own, "--help", "--debug"])];
  }
  const names = cmd.commands.map((c) => c.name());
  if (names.length > 0 && positionals.length === 0) return names;
  // `mailcfg help <command>`, and the environment topic.
  if (cmd === program) return positionals.length === 1 && positionals[0] === "help" ? [...names, "environment"] : [];
  return positionalValues(ctx, cmd, positionals);
}

function findOption(cmd: Command, word: string): Option | undefined {
  const flag = word.split("=")[0];
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.options.find((x) => x.long === flag || x.short === flag);
    if (o) return o;
  }
  return undefined;
}

/** Values of a flag: its choices, document kinds, user ids; nothing for files and free text. */
async function valuesFor(ctx: Context, opt: Option): Promise<string[]> {
  const named = suggestedValues(opt);
  if (named) return [...named];
  // Values that are data of their own: the catalogue, and the users set up now.
  if (opt.long === "--doc") {
    const { DOC_KINDS } = await import("../routing/catalogue.js");
    return DOC_KINDS.map((k) => k.id);
  }
  return opt.long === "--user" ? userIds(ctx) : [];
}

/** `company | user <id>` and the other positional words. */
async function positionalValues(ctx: Context, cmd: Command, positionals: string[]): Promise<string[]> {
  const name = cmd.name();
  const first = cmd.registeredArguments[0]?.name();
  if (name === "completion" && positionals.length === 0) return ["bash", "zsh", "fish"];
  if (name === "rename") return positionals.length === 0 ? ["user"] : positionals.length === 1 ? userIds(ctx) : [];
  if (first === "target") {
    if (positionals.length === 0) return ["company", "user"];
    if (positionals.length === 1 && positionals[0] === "user") return userIds(ctx);
    return [];
  }
  if (first === "key" && positionals.length === 0) {
    const { SETTINGS } = await import("../config/settings.js");
    return Object.keys(SETTINGS);
  }
  return [];
}

/** The user ids saved now, read straight from config.json (fast, and never an error at a TAB). */
function userIds(ctx: Context): string[] {
  try {
    const data = JSON.parse(readFileSync(join(ctx.configDir, "config.json"), "utf8")) as { users?: Record<string, unknown> };
    return Object.keys(data.users ?? {}).sort();
  } catch {
    return [];
  }
}

/** The completion script for a shell: it asks `mailcfg __complete` at each TAB. */
/** `mailcfg completion <shell>`: prints the script for that shell. */
export async function runCompletion(ctx: Context, { shell }: CompletionInput): Promise<CommandResult> {
  if (shell !== "bash" && shell !== "zsh" && shell !== "fish") {
    throw new UsageError(shell ? `Unknown shell "${shell}": expected bash, zsh or fish.` : "Say which shell: bash, zsh or fish.", "Usage: mailcfg completion bash|zsh|fish");
  }
  ctx.io.out.write(COMPLETION_SCRIPTS[shell]);
  return {};
}

const COMPLETION_SCRIPTS: Record<"bash" | "zsh" | "fish", string> = {
  bash: `# mailcfg completion for bash. Install: echo 'source <(mailcfg completion bash)' >> ~/.bashrc
_mailcfg() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(mailcfg __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur"))
}
complete -o default -o bashdefault -F _mailcfg mailcfg
`,
  zsh: `#compdef mailcfg
# mailcfg completion for zsh. Install: mailcfg completion zsh > "\${fpath[1]}/_mailcfg" (then restart zsh),
# or add to ~/.zshrc after compinit: source <(mailcfg completion zsh)
_mailcfg() {
  local -a candidates
  candidates=("\${(@f)$(mailcfg __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
if (( $+functions[compdef] )); then compdef _mailcfg mailcfg; fi
`,
  fish: `# mailcfg completion for fish. Install: mailcfg completion fish > ~/.config/fish/completions/mailcfg.fish
function __mailcfg_complete
    set -l words (commandline -opc) (commandline -ct)
    mailcfg __complete $words[2..-1] 2>/dev/null
end
complete -c mailcfg -a '(__mailcfg_complete)'
`,
};
