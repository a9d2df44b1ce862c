import { Command } from "commander";
import type { Context } from "../context.js";
import { collect, type Done } from "./flags.js";

export function discoverCommand(ctx: Context, done: Done): Command {
  return new Command("discover")
    .description("find the outgoing mail settings for an address: built-in providers, Thunderbird's ISP database, the domain's autoconfig, MX and SRV records, the Microsoft tenant")
    .argument("<address>", "the sender's email address")
    .option("--timeout <seconds>", "answer within this many seconds (default 5)")
    .option("--ca <file>", "trust this CA certificate (PEM) for autoconfig look-ups too; repeatable", collect)
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      `
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
    )
    .action(async (address: string, raw: Record<string, unknown>) => {
      const { runDiscover, toDiscoverOptions } = await import("../commands/discover.js");
      done(await runDiscover(ctx, toDiscoverOptions(address, raw)));
    });
}
