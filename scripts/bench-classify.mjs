// npm run bench (part): the failure model's classifier.
//   - every example of the table (fact rows, text rows, client rows) and the corpus of
//     real error texts, classified over and over: verdicts per second, beside a plain
//     script doing the naive part of the same work (the first matching regular
//     expression of the same rows for each text, no facts, no verdict);
//   - `mailcfg explain <text>` as a whole process (loading the classifier), beside
//     `node -e 0`.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "mailcfg.js");
const RUNS = Math.max(3, Number(process.env.RUNS) || 15);
const json = (p) => JSON.parse(readFileSync(join(ROOT, p), "utf8"));

if (!existsSync(join(ROOT, "dist", "cli.js"))) spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });

const work = mkdtempSync(join(tmpdir(), "mailcfg-bench-classify-"));
const out = join(work, "classify.mjs");
await build({ entryPoints: [join(ROOT, "src/failures/classify.ts")], bundle: true, platform: "node", format: "esm", outfile: out, logLevel: "silent" });
const { classify, factRows } = await import(pathToFileURL(out).href);

const factExamples = factRows().map((r) => ({ facts: r.example.facts, text: r.example.text ?? "" }));
const textExamples = [
  ...Object.values(json("test/failures/row-examples.json")),
  ...json("src/failures/rows-clients.json").map((r) => r.example),
  ...json("test/failures/corpus.json").map((c) => c.text),
].map((text) => ({ text }));
const inputs = [...factExamples, ...textExamples];

const patterns = [...json("src/failures/fact-rows.json"), ...json("src/diagnosis/patterns.json"), ...json("src/failures/rows-clients.json")]
  .filter((r) => r.pattern)
  .map((r) => new RegExp(r.pattern, "im"));
const naive = (input) => patterns.find((re) => re.test(input.text)) ?? null;

/** Verdicts per second over all inputs, repeated for about a second; median of 5. */
function rate(fn) {
  const rates = [];
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const started = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - started) < 1e9 / 5) {
      for (const x of inputs) fn(x);
      n += inputs.length;
    }
    rates.push(n / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  return rates.sort((a, b) => a - b)[2];
}
const ours = rate((x) => classify(x));
const plain = rate(naive);

const env = { PATH: process.env.PATH ?? "", HOME: work, MAILCFG_CONFIG_DIR: join(work, "config") };
const commands = [
  [process.execPath, BIN, "explain", "535-5.7.8 Username and Password not accepted. gsmtp"],
  [process.execPath, "-e", "0"],
];
const times = commands.map(() => []);
for (let i = 0; i < RUNS; i++) {
  commands.forEach((argv, k) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { env, stdio: "ignore", cwd: ROOT });
    if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (exit ${r.status})`);
    times[k].push(Number(process.hrtime.bigint() - started) / 1e6);
  });
}
const med = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
const [explain, bare] = times.map(med);

console.log(`\nfailure model: ${inputs.length} inputs (${factExamples.length} fact-row examples, ${textExamples.length} texts), ${patterns.length} text patterns`);
console.log(`  classify (facts + text, whole verdict)      ${Math.round(ours).toLocaleString("en")} verdicts/s`);
console.log(`  plain script: first matching regex only     ${Math.round(plain).toLocaleString("en")} texts/s  (ours is ${(ours / plain).toFixed(2)}x of it)`);
console.log(`  mailcfg explain <text> (whole process)      ${explain.toFixed(1)} ms  beside node -e 0 ${bare.toFixed(1)} ms  (${(explain / bare).toFixed(2)}x; median of ${RUNS})`);
rmSync(work, { recursive: true, force: true });
