import type { BuildResult } from "esbuild";

/** Bundles src/cli.ts into `outdir` (ESM, split into lazily loaded chunks), as `npm run build` does. */
export function bundleCli(options: { root: string; outdir: string; sourcemap?: boolean }): Promise<BuildResult>;
