import { Command } from "commander";
import type { Context } from "../context.js";
import type { Done } from "./flags.js";

export function demoCommand(ctx: Context, done: Done): Command {
  return new Command("demo")
    .description("run the whole flow against the built-in sandbox, in a temporary folder")
    .option("--keep", "keep the temporary folder (config, secrets, received .eml files)")
    .option("--json", "print one JSON document on stdout (the walk-through goes to stderr)")
    .addHelpText("after", "\nExamples:\n  $ mailcfg demo\n  $ mailcfg demo --keep --json")
    .action(async (raw: { keep?: boolean; json?: boolean }) => {
      const { runDemo } = await import("../commands/demo.js");
      done(await runDemo(ctx, { keep: raw.keep === true, json: raw.json === true }));
    });
}
