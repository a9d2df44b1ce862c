import type { BuildResult } from "esbuild";

/** Packages bundled into dist/ rather than loaded from node_modules. */
export const BUNDLED: string[];

/** Bundles src/cli.ts into `outdir` (ESM, split into lazily loaded chunks), as `npm run build` does. */
export function bundleCli(options: { root: string; outdir: string; sourcemap?: boolean }): Promise<BuildResult>;
