import { defineCommand, flag, type Input } from "./definition.js";

const flags = {
  keep: flag.on("--keep", "keep the temporary folder (config, secrets, received .eml files)"),
  json: flag.on("--json", "print one JSON document on stdout (the walk-through goes to stderr)"),
};

export type DemoInput = Input<Record<never, never>, typeof flags>;

export const demo = defineCommand({
  name: "demo",
  summary: "the whole flow against the sandbox",
  description: "run the whole flow against the built-in sandbox, in a temporary folder",
  flags,
  help: "\nExamples:\n  $ mailcfg demo\n  $ mailcfg demo --keep --json",
  load: async () => (await import("../commands/demo.js")).runDemo,
});
