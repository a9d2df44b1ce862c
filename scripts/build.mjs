// Bundles the CLI into dist/ with esbuild. Our own code is bundled so start-up reads
// few files, and so are the pure-JS packages nearly every run needs: commander and chalk
// (loaded from node_modules they cost more than the rest of `--help`: commander is
// CommonJS behind an ESM wrapper, chalk is five files) and conf with ajv (about a
// hundred files; it stays in its own chunk, loaded only by commands that read the
// config). The other npm packages stay external and the heavy ones (nodemailer, the
// Google and EWS clients, SQLite) are reached only through dynamic import() in the
// commands that need them, so `mailcfg --help`, `route` and `status` never load them.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const BUNDLED = new Set(["commander", "chalk", "conf"]);
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/cli.ts"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  // commander is CommonJS and calls require() for node: modules; give the ESM bundle one.
  banner: { js: 'import { createRequire as __mailcfgRequire } from "node:module"; const require = __mailcfgRequire(import.meta.url);' },
  sourcemap: true,
  logLevel: "warning",
});
