import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

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
