import { describe, expect, it, beforeAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tempDir } from "../helpers/diagnosis-cli.js";
import { bundleCliInto } from "../helpers/build-cli.js";

// The heavy packages `explain` (and diagnose's help) must never load.
const HEAVY = ["nodemailer", "googleapis", "@googleapis/gmail", "google-auth-library", "ews-javascript-api", "better-sqlite3"];

describe("explain and diagnose --help stay light", () => {
  let dir: string;
  let hook: string;

  beforeAll(async () => {
    dir = tempDir("mailcfg-lazy-");
    // The same bundle shape as npm run build: our code bundled, packages external.
    await bundleCliInto(join(dir, "dist"));
    writeFileSync(join(dir, "run.mjs"), `import { main } from "./dist/cli.js";\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    // A resolve hook that fails the run if a heavy package is imported.
    writeFileSync(
      join(dir, "hooks.mjs"),
      `const HEAVY = ${JSON.stringify(HEAVY)};\n` +
        `export async function resolve(specifier, context, next) {\n` +
        `  if (HEAVY.some((h) => specifier === h || specifier.startsWith(h + "/"))) throw new Error("heavy import: " + specifier);\n` +
        // The bundle sits in a temp folder: resolve packages from the project instead.
        `  const bare = !/^(\\.|\\/|#|node:|file:|data:)/.test(specifier) && (context.parentURL ?? "").startsWith(${JSON.stringify(pathToFileURL(dir).href)});\n` +
        `  return next(specifier, bare ? { ...context, parentURL: ${JSON.stringify(pathToFileURL(join(process.cwd(), "package.json")).href)} } : context);\n}\n`,
    );
    hook = join(dir, "register.mjs");
    writeFileSync(hook, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);
    // Sanity: the hook does catch a heavy import.
    const probe = spawnSync(process.execPath, ["--import", hook, "-e", "await import('nodemailer')"], { cwd: process.cwd(), encoding: "utf8", input: "" });
    expect(probe.stderr).toContain("heavy import: nodemailer");
  });

  it("explains without loading nodemailer, Google, EWS or SQLite code", () => {
    const out = execFileSync(process.execPath, ["--import", hook, join(dir, "run.mjs"), "explain", "--json", "535 5.7.3 Authentication unsuccessful"], {
      cwd: process.cwd(),
      encoding: "utf8",
      env: { ...process.env, MAILCFG_CONFIG_DIR: dir },
    });
    expect(JSON.parse(out).category).toBe("auth");
  });

  it("shows diagnose's help without loading them either", () => {
    const out = execFileSync(process.execPath, ["--import", hook, join(dir, "run.mjs"), "diagnose", "--help"], {
      cwd: process.cwd(),
      encoding: "utf8",
      env: { ...process.env, MAILCFG_CONFIG_DIR: dir },
    });
    expect(out).toContain("--stop-after <stage>");
  });
});
