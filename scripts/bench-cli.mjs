// For the queue benchmarks: the CLI bundled as `npm run build` bundles it, into a fresh
// work folder (linked to node_modules), plus a module of the sources a bench uses itself.
import { build } from "esbuild";
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const common = { bundle: true, format: "esm", platform: "node", target: "node20", packages: "external", logLevel: "warning" };

/** Builds `<work>/mailcfg.mjs` (the CLI) and `<work>/lib.mjs` (re-exporting `exports`, lines of TS), and imports the latter. */
export async function buildBenchCli(root, work, exports) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  if (!existsSync(join(work, "node_modules"))) symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
  await build({ ...common, entryPoints: [join(root, "src/cli.ts")], outdir: join(work, "dist"), splitting: true });
  writeFileSync(join(work, "mailcfg.mjs"), 'import { main } from "./dist/cli.js";\nprocess.exitCode = await main(process.argv.slice(2));\n');
  await build({ ...common, stdin: { contents: exports.join("\n"), resolveDir: root, loader: "ts" }, outfile: join(work, "lib.mjs") });
  return import(join(work, "lib.mjs"));
}
