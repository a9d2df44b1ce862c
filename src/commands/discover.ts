import type { Context } from "../context.js";
import { checkEmail } from "../config/fields.js";
import { discover } from "../discovery/discover.js";
import { passwordNote, serverWords, setupCommandFor } from "../discovery/describe.js";
import type { Discovery } from "../discovery/types.js";
import type { DiscoverInput } from "../cli/discover.js";
import { parseTimeoutSeconds, progress, type CommandResult } from "./shared.js";
import { DEFAULT_DISCOVERY_SECONDS, discoveryOptions } from "../discovery/options.js";
import { sourceWords, untrustedWhy } from "../discovery/describe.js";

export async function runDiscover(ctx: Context, input: DiscoverInput): Promise<CommandResult> {
  const address = checkEmail(input.address, "address");
  const timeoutMs = parseTimeoutSeconds(input.timeout, DEFAULT_DISCOVERY_SECONDS);
  const options = discoveryOptions(ctx, timeoutMs, input.ca);
  progress(ctx, `looking up the settings for ${address}`);
  const found = await discover(address, options);
  if (!input.json) printDiscovery(ctx, found);
  return { data: { ...found }, ...(found.settings ? {} : { failed: "not-configured" as const }) };
}

function printDiscovery(ctx: Context, d: Discovery): void {
  const out = ctx.io.out;
  const t = ctx.theme;
  if (!d.settings) {
    out.write(`${t.bad("✗")} No settings found for ${d.address}.\n`);
    out.write(`  Ask the mail provider for the outgoing (SMTP) server, then: ${t.cmd(`mailcfg setup company --host <server> --email ${d.address}`)}\n`);
  } else {
    out.write(`${t.ok("✓")} ${d.address}${d.provider ? ` (${d.provider})` : ""}: ${serverWords(d.settings)}\n`);
    out.write(`  found in ${sourceWords(d.settings)}\n`);
    printRoutes(ctx, d);
  }
  out.write(t.dim("Look-ups:") + "\n");
  for (const l of d.lookups) out.write(t.dim(`  ${l.ok ? "found" : "-    "} ${l.source.padEnd(17)} ${l.target} (${l.ms} ms)${l.error ? `: ${l.error}` : ""}`) + "\n");
}

/** The route to take first and the others, with what the password route needs. */
export function printRoutes(ctx: Context, d: Discovery, who = "company"): void {
  const out = ctx.io.out;
  const [first, ...rest] = d.candidates;
  if (!first) return;
  if (!first.trusted) out.write(`  ${ctx.theme.warn("not trusted")}: ${untrustedWhy(first)}; check it with the provider before using it.\n`);
  out.write(`  set it up: ${ctx.theme.cmd(setupCommandFor(first, d.address, who))}\n`);
  const password = rest.find((c) => c.auth === "password" && first.auth !== "password");
  if (password) {
    out.write(`  or with a password: ${serverWords(password)}: ${ctx.theme.cmd(setupCommandFor(password, d.address, who))}\n`);
  }
  const note = passwordNote(d);
  if (note) out.write(`  ${ctx.theme.warn("note")}: ${note}\n`);
  const others = rest.filter((c) => c !== password);
  if (others.length) out.write(`  also found: ${others.map((c) => `${serverWords(c)} [${c.source}${c.trusted ? "" : ", not trusted"}]`).join("; ")}\n`);
}
