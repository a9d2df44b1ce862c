// Writes src/discovery/ispdb/ispdb.generated.json: the outgoing (SMTP) servers of
// Thunderbird's ISP database (ISPDB), one compact table, so discovery needs neither the
// network nor the 160-odd XML files at run time. Also copies the licence (MPL-2.0) and
// the source commit beside it.
//   node scripts/gen-ispdb.mjs [<ispdb folder>]      (default: ../shared/ispdb from the repo)
// The source folder holds LICENSE, SOURCE-COMMIT and ispdb/<domain>.xml. Entries whose
// placeholders are broken or unknown, whose host is empty, etc. are left out, and listed.
import { build } from "esbuild";
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = join(import.meta.dirname, "..");
export const DEFAULT_SOURCE = process.env.MAILCFG_ISPDB_SOURCE ?? "/work/shared/ispdb";
export const OUT_DIR = join(ROOT, "src", "discovery", "ispdb");

/** The parser the program itself uses for autoconfig documents, built for this script. */
async function loadParser() {
  const dir = mkdtempSync(join(tmpdir(), "mailcfg-ispdb-"));
  try {
    const out = join(dir, "config-xml.mjs");
    await build({ entryPoints: [join(ROOT, "src/discovery/config-xml.ts")], outfile: out, bundle: true, format: "esm", platform: "node", logLevel: "warning" });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table as text, and what was left out. */
export async function generate(source = DEFAULT_SOURCE) {
  const { parseClientConfig } = await loadParser();
  const commit = readFileSync(join(source, "SOURCE-COMMIT"), "utf8").trim().split(/\s+/)[0];
  const files = readdirSync(join(source, "ispdb")).filter((f) => f.endsWith(".xml")).sort();
  const providers = [];
  const domains = {};
  const skipped = [];
  for (const file of files) {
    const config = parseClientConfig(readFileSync(join(source, "ispdb", file), "utf8"));
    if (!config) {
      skipped.push(`${file}: not a clientConfig`);
      continue;
    }
    for (const why of config.skipped) skipped.push(`${file}: an outgoing server: ${why}`);
    if (config.outgoing.length === 0) {
      skipped.push(`${file}: no usable outgoing server`);
      continue;
    }
    const index = providers.length;
    providers.push({
      id: config.id || file.replace(/\.xml$/, ""),
      name: config.displayName ?? config.id,
      smtp: config.outgoing.map((s) => [s.hostname, s.port, s.socketType, s.username, s.auth.join("+")]),
    });
    const names = new Set([file.replace(/\.xml$/, ""), ...config.domains]);
    for (const d of names) if (!(d in domains)) domains[d] = index;
  }
  const table = { source: "https://github.com/thunderbird/autoconfig/tree/" + commit + "/ispdb", commit, providers, domains };
  return { text: JSON.stringify(table) + "\n", skipped, commit };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const source = process.argv[2] ?? DEFAULT_SOURCE;
  const { text, skipped } = await generate(source);
  writeFileSync(join(OUT_DIR, "ispdb.generated.json"), text);
  copyFileSync(join(source, "LICENSE"), join(OUT_DIR, "LICENSE"));
  copyFileSync(join(source, "SOURCE-COMMIT"), join(OUT_DIR, "SOURCE-COMMIT"));
  for (const f of ["LICENSE", "SOURCE-COMMIT"]) chmodSync(join(OUT_DIR, f), 0o644);
  for (const s of skipped) console.log(`left out: ${s}`);
  console.log(`wrote ${join(OUT_DIR, "ispdb.generated.json")} (${text.length} bytes)`);
}
