import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";
import ts from "typescript";

/**
 * Data flows one way (ARCHITECTURE.md): command -> sender -> provider -> facts -> failure
 * model -> rendering in main(). A module never imports one from a higher layer.
 */
const SRC = resolve(import.meta.dirname, "..", "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The folder (layer) of a source file: "commands", "providers", ... or "." for src/*.ts. */
const layerOf = (file: string) => relative(SRC, file).split("/").slice(0, -1)[0] ?? ".";

/** What each layer may not import. */
const FORBIDDEN: Record<string, string[]> = {
  senders: ["commands", "cli"],
  send: ["commands", "cli"],
  queue: ["commands", "cli"],
  providers: ["commands", "cli", "send", "queue"],
  failures: ["commands", "cli", "send", "queue", "providers"],
  oauth: ["commands", "cli", "send", "queue", "providers"],
  config: ["commands", "cli", "send", "queue", "providers", "oauth"],
  routing: ["commands", "cli", "send", "queue", "providers"],
  diagnosis: ["commands", "cli", "send", "queue"],
  discovery: ["commands", "cli", "send", "queue"],
  tls: ["commands", "cli", "send", "queue", "providers", "failures"],
  util: ["commands", "cli", "send", "queue", "providers", "failures", "config"],
  // Rendering: what main() and the commands print; it reads verdicts and settings, never transports.
  ui: ["commands", "cli", "send", "queue", "providers", "oauth"],
};

describe("imports flow one way", () => {
  it("no module imports from a higher layer, and only main and the commands render errors", () => {
    const wrong: string[] = [];
    for (const file of files(SRC)) {
      const layer = layerOf(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) {
        const target = relative(SRC, resolve(dirname(file), m[1] ?? ""));
        const targetLayer = target.split("/").length > 1 ? (target.split("/")[0] ?? ".") : ".";
        if ((FORBIDDEN[layer] ?? []).includes(targetLayer)) wrong.push(`${relative(SRC, file)} -> ${target}`);
        if (target === "ui/render.js" && !["commands", "cli", "."].includes(layer)) wrong.push(`${relative(SRC, file)} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

/**
 * Small pieces (ARCHITECTURE.md): a function is a step, a file one concept. Data tables
 * (rows, registries) may be longer than a file of logic; they are named here.
 */
const MAX_FUNCTION_LINES = 60;
const MAX_FILE_LINES = 300;
const DATA_TABLES = new Set<string>([]);

describe("small pieces", () => {
  it(`no function over ${MAX_FUNCTION_LINES} lines and no source file over ${MAX_FILE_LINES} lines, data tables aside`, () => {
    const long: string[] = [];
    for (const file of files(SRC)) {
      const name = relative(SRC, file);
      const text = readFileSync(file, "utf8");
      const lines = text.split("\n").length;
      if (lines > MAX_FILE_LINES && !DATA_TABLES.has(name)) long.push(`${name}: ${lines} lines`);
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
          const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (last - first + 1 > MAX_FUNCTION_LINES) long.push(`${name}:${first + 1}: a function of ${last - first + 1} lines`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });
});
