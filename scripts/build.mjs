// Bundles the CLI into dist/ with esbuild. Our own code is bundled so start-up reads
// few files; npm packages stay external and the heavy ones (nodemailer, the Google
// and EWS clients, SQLite) are reached only through dynamic import() in the commands
// that need them, so `mailcfg --help`, `route` and `status` never load them.
import { build } from "esbuild";
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/cli.ts"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
