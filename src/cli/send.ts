import { defineCommand, flag, type Input } from "./definition.js";
import { connectFlags, jsonFlag, messageFlags } from "./flags.js";

const flags = {
  ...messageFlags,
  dryRun: flag.on("--dry-run", "send nothing: show the routing decision and the message"),
  eml: flag.text("--eml <file>", "with --dry-run: write the message to this .eml file"),
  ...jsonFlag,
  ...connectFlags,
};

export type SendInput = Input<Record<never, never>, typeof flags>;

export const send = defineCommand({
  name: "send",
  summary: "send a document from its sender",
  description: "send a document from the sender the routing rules choose (Company Email or User Email)",
  flags,
  help: `
The message comes from the document kind's template (subject, text and HTML, with
{{variables}} filled from --var). Templates can be replaced per kind in the folder of
the templates-dir setting: <kind>.subject, <kind>.txt and <kind>.html.
Every input is checked before anything is sent: addresses, attachments (exist,
readable, under the attachment-limit-mb setting), header values and variables.

Examples:
  $ mailcfg send --doc invoice --user jdoe --to ap@customer.test --attach INV-1001.pdf \\
      --var number=INV-1001 --var customer="Acme Ltd"
  $ mailcfg send --doc ship-confirmation --to buyer@customer.test --var number=SO-7 \\
      --var customer=Acme --var tracking=1Z999 --dry-run --eml ship.eml
  $ mailcfg send --doc sales-order --to a@x.test,b@x.test --cc boss@x.test --var number=SO-1 --var customer=X --json`,
  load: async () => (await import("../commands/send.js")).runSend,
});
