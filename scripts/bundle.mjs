// The one esbuild configuration of the CLI, used by `npm run build` and by the tests
// that run a freshly built CLI as a child process.
//
// Our own code is bundled so start-up reads few files, and so are the pure-JS packages
// whose many small ES modules would otherwise each be resolved, read and compiled on
// every run: commander and chalk (nearly every run) and nodemailer (about forty modules; loading them from node_modules cost a
// validate some 40 ms). The other npm packages stay external. The heavy ones
// (nodemailer, the Google and EWS clients, SQLite) are reached only through dynamic
// import(), so esbuild's code splitting keeps them out of what `mailcfg --help`,
// `route` and `status` load.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const BUNDLED = ["commander", "chalk", "nodemailer"];

/**
 * `import process from "node:process"` (chalk's colour detection) makes
 * Node build the ES module face of the process object, which reads every property of it,
 * stdout and stderr included: some 8 ms on each run. The object is the global `process`,
 * so bundled code gets that directly.
 */
const processGlobalPlugin = {
  name: "process-global",
  setup(b) {
    // Only ES imports: require("node:process") (commander) costs nothing of the kind.
    b.onResolve({ filter: /^(node:)?process$/ }, (args) =>
      args.kind === "import-statement" ? { path: "process", namespace: "process-global" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "process-global" }, () => ({ contents: "export default globalThis.process;", loader: "js" }));
  },
};

/** Bundles src/cli.ts into `outdir` (ESM, split into lazily loaded chunks). */
export async function bundleCli({ root, outdir, sourcemap = true }) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]
    .filter((name) => !BUNDLED.includes(name))
    .flatMap((name) => [name, `${name}/*`]);
  return build({
    entryPoints: [join(root, "src", "cli.ts")],
    outdir,
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    plugins: [processGlobalPlugin],
    // commander and nodemailer are CommonJS-minded and call require() for node: modules;
    // give the ESM bundle one.
    banner: { js: 'import { createRequire as __mailcfgRequire } from "node:module"; const require = __mailcfgRequire(import.meta.url);' },
    sourcemap,
    logLevel: "warning",
  });
}
