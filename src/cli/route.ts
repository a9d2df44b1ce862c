import { defineCommand, flag, type Input } from "./definition.js";
import { jsonFlag } from "./flags.js";

const flags = {
  doc: flag.text("--doc <kind>", "document kind, e.g. invoice, sales-order, ship-confirmation"),
  all: flag.on("--all", "the whole table: every document kind"),
  user: flag.text("--user <id>", "the acting user (default: MAILCFG_USER, then the default-user setting)"),
  ...jsonFlag,
};

export type RouteInput = Input<Record<never, never>, typeof flags>;

export const route = defineCommand({
  name: "route",
  summary: "which sender sends a document",
  description: "which sender (Company Email or a User Email) sends a document, and why",
  flags,
  helpLater: async () => {
    const { DOC_KINDS } = await import("../routing/catalogue.js");
    return `
Document kinds:
${DOC_KINDS.map((k) => `  ${k.id.padEnd(28)} ${k.name}`).join("\n")}

Documents a user sends go from that user's User Email, or from the Company Email when
the user has none. Automatic mail and payment links go from the Company Email. The ship
confirmation follows: mailcfg config set ship-confirmation-sender company|user

Examples:
  $ mailcfg route --doc invoice --user jdoe
  $ mailcfg route --doc ship-confirmation --json
  $ mailcfg route --all --user jdoe`;
  },
  load: async () => (await import("../commands/route.js")).runRoute,
});
