#!/usr/bin/env node
// CommonJS (bin/package.json), not ESM: a CommonJS script starts some 10 ms sooner, and
// the texts below need nothing else. The program itself is ESM, imported when needed.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { isatty } = require("node:tty");

// A reader that stops early (`mailcfg route --all | head`) closes the pipe: that is
// the reader's choice, not an error worth a stack trace.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const args = process.argv.slice(2);
const canned = cannedOutput(args);
if (canned !== undefined) {
  process.stdout.write(canned);
} else {
  import("../dist/cli.js")
    .then(({ main }) => main(args))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        // main() reports every error itself; this is the program failing to load at all.
        const hint = err && err.code === "ERR_MODULE_NOT_FOUND" ? " Build it first: npm run build" : "";
        process.stderr.write(`error: mailcfg could not start: ${err && err.message}.${hint}\n`);
        process.exitCode = 1;
      },
    );
}

/**
 * `mailcfg`, `mailcfg --help` and `mailcfg --version` print texts the build rendered
 * with the whole program (scripts/build.mjs writes dist/canned-output.json), so the
 * commonest first run answers without compiling it. Only where the program would print
 * the very same text: help is not wrapped on a terminal at least `minColumns` wide.
 */
function cannedOutput(argv) {
  const [only, ...rest] = argv;
  if (rest.length > 0) return undefined;
  const wanted = only === undefined || only === "--help" || only === "-h" ? "help" : only === "--version" || only === "-v" || only === "-V" ? "version" : undefined;
  if (wanted === undefined) return undefined;
  let texts;
  try {
    texts = JSON.parse(readFileSync(join(__dirname, "..", "dist", "canned-output.json"), "utf8"));
  } catch {
    return undefined; // not built with scripts/build.mjs: the program answers
  }
  if (wanted === "help" && isatty(1) && !(process.stdout.columns >= texts.minColumns)) return undefined;
  return typeof texts[wanted] === "string" ? texts[wanted] : undefined;
}
