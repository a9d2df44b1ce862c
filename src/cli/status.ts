import { defineCommand, flag, type Input } from "./definition.js";
import { jsonFlag } from "./flags.js";

const flags = {
  strict: flag.on("--strict", "also exit non-zero when a profile was never validated (setup --no-validate)"),
  ...jsonFlag,
};

export type StatusInput = Input<Record<never, never>, typeof flags>;

export const status = defineCommand({
  name: "status",
  summary: "every profile and its last check",
  description: "every profile: type, address, server, when it was last validated and the result",
  flags,
  help: `
Exits non-zero when a profile's last validation failed, and prints the command that fixes it;
with --strict also when one was never validated (exit 7).

Examples:
  $ mailcfg status
  $ mailcfg status --strict          # in CI: every sender validated
  $ mailcfg status --json | jq '.profiles[] | select(.state != "ok")'`,
  load: async () => (await import("../commands/status.js")).runStatus,
});
