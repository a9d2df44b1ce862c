import { arg, defineCommand, flag, type Input } from "./definition.js";
import { jsonFlag } from "./flags.js";

const args = { address: arg.required("<address>", "the sender's email address") };

const flags = {
  timeout: flag.text("--timeout <seconds>", "answer within this many seconds (default 5)"),
  ca: flag.list("--ca <file>", "trust this CA certificate (PEM) for autoconfig look-ups too; repeatable"),
  ...jsonFlag,
};

export type DiscoverInput = Input<typeof args, typeof flags>;

export const discover = defineCommand({
  name: "discover",
  summary: "find the settings for an address",
  description:
    "find the outgoing mail settings for an address: built-in providers, Thunderbird's ISP database, the domain's autoconfig, MX and SRV records, the Microsoft tenant",
  args,
  flags,
  help: `
Look-ups run at once; the first in this order that finds something wins: built-in
providers, Thunderbird's ISP database (both without network), https autoconfig
(autoconfig.<domain>, then <domain>/.well-known), MX records, SRV records
(_submissions before _submission), the Microsoft 365 tenant, and last plain http
autoconfig. A result over plain http (or redirected through it), or SRV records
naming a host outside the domain, is marked untrusted. No password is ever sent.
Exit 0 when settings were found, 7 when none were.

Examples:
  $ mailcfg discover sales@acme.com
  $ mailcfg discover jdoe@example.org --json --timeout 3`,
  load: async () => (await import("../commands/discover.js")).runDiscover,
});
