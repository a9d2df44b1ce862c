import type { Command } from "commander";

const deferred = new WeakMap<Command, () => Promise<string>>();

/**
 * Help text built from data that the start of a run should not load (the settings, the
 * document kinds): main() adds it before parsing, and only when the command is named on
 * the command line, which every way of showing that command's help does.
 */
export function addHelpTextLater(cmd: Command, load: () => Promise<string>): Command {
  deferred.set(cmd, load);
  return cmd;
}

/** Adds the deferred "after" help texts of the commands that argv names. */
export async function addNamedHelpTexts(program: Command, argv: readonly string[]): Promise<void> {
  await Promise.all(
    program.commands.map(async (cmd) => {
      const load = deferred.get(cmd);
      if (load && argv.includes(cmd.name())) cmd.addHelpText("after", await load());
    }),
  );
}
