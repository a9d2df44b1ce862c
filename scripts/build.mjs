// npm run build: bundles the CLI into dist/ (see bundle.mjs), then renders the texts
// that bin/mailcfg.js prints without loading the program: the top-level help (for
// `mailcfg` and `mailcfg --help`) and the version.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleCli } from "./bundle.mjs";

const ROOT = join(import.meta.dirname, "..");
const DIST = join(ROOT, "dist");

rmSync(DIST, { recursive: true, force: true });
await bundleCli({ root: ROOT, outdir: DIST });

const { main } = await import(pathToFileURL(join(DIST, "cli.js")).href);

/** What the program writes to stdout for `args` when stdout is `columns` wide (undefined: not a terminal). */
async function stdoutOf(args, columns) {
  const stdout = process.stdout;
  const saved = { write: stdout.write, isTTY: stdout.isTTY, columns: stdout.columns };
  let text = "";
  stdout.write = (chunk) => ((text += String(chunk)), true);
  stdout.isTTY = columns !== undefined;
  stdout.columns = columns;
  try {
    const code = await main(args);
    if (code !== 0) throw new Error(`mailcfg ${args.join(" ")} exited ${code} during the build`);
  } finally {
    Object.assign(stdout, saved);
  }
  return text;
}

// commander wraps help to the terminal's width, 80 columns when stdout is not a
// terminal. The text is kept only if nothing in it needed wrapping at 80 columns, so it
// is also exactly what any wider terminal gets; bin/mailcfg.js prints it only when
// stdout is not a terminal or is at least that wide, and runs the program otherwise.
const help = await stdoutOf(["--help"], undefined);
const wide = await stdoutOf(["--help"], 1000);
const canned = {
  minColumns: 80,
  ...(help === wide ? { help } : {}),
  version: await stdoutOf(["--version"], undefined),
};
if (help !== wide) console.warn("build: the top-level help wraps at 80 columns, so `mailcfg --help` runs the whole program");
writeFileSync(join(DIST, "canned-output.json"), JSON.stringify(canned, null, 2) + "\n");
