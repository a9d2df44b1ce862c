import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundledCache = new Map<string, string[]>();

/**
 * The npm packages bundled into one of our built files. esbuild heads the code of each
 * bundled file with a comment naming its origin, e.g. `// node_modules/nodemailer/...`.
 */
export function packagesBundledIn(file: string): string[] {
  let names = bundledCache.get(file);
  if (!names) {
    const text = readFileSync(file, "utf8");
    names = [...new Set([...text.matchAll(/^\/\/ (?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((m) => m[1] ?? ""))];
    bundledCache.set(file, names);
  }
  return names;
}

/**
 * The npm packages a run loaded, given the module URLs it resolved (see
 * trace-imports.mjs): those loaded from node_modules, and those bundled into the built
 * files it loaded (commander, chalk, conf and nodemailer are bundled; see
 * scripts/bundle.mjs). A package counts only if a file that holds it was loaded.
 */
export function packagesLoaded(urls: Iterable<string>): Set<string> {
  const packages = new Set<string>();
  for (const url of urls) {
    if (!url.startsWith("file:")) continue;
    const fromNodeModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (fromNodeModules) packages.add(fromNodeModules);
    else if (/\/dist\/(?:[^/]+\/)?[^/]+\.js$/.test(url)) for (const name of packagesBundledIn(fileURLToPath(url))) packages.add(name);
  }
  return packages;
}
