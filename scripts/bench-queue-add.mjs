// Queueing many documents: 500 documents queued by one `mailcfg queue add --from
// <file.jsonl>` process, beside the same documents queued by one `mailcfg queue add`
// process each (what a business system does without --from). Every run is a real
// child process of the bundled CLI on a real SQLite queue; nothing is sent.
//
//   node scripts/bench-queue-add.mjs     (BENCH_DOCUMENTS=500, BENCH_SINGLE_ADDS=50, BENCH_ROUNDS=3)
//
// 500 single processes take about two minutes on a busy machine, so by default 50 are
// timed and scaled to BENCH_DOCUMENTS (the output says so); BENCH_SINGLE_ADDS=500
// times them all. Scratch files go to .tmp/bench-queue-add and are removed.
import { buildBenchCli } from "./bench-cli.mjs";
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

const ROOT = resolve(import.meta.dirname, "..");
const WORK = join(ROOT, ".tmp", "bench-queue-add");
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 500);
const SINGLE = Math.min(DOCUMENTS, Number(process.env.BENCH_SINGLE_ADDS ?? 50));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const { ConfigStore, FileSecretStore } = await buildBenchCli(ROOT, WORK, [
  'export { ConfigStore } from "./src/config/store.ts";',
  'export { FileSecretStore } from "./src/config/secrets.ts";',
]);

/** A config folder with a Company Email and jdoe's User Email (never contacted: nothing is sent). */
async function folder(name) {
  const dir = join(WORK, name);
  mkdirSync(dir, { recursive: true });
  const now = new Date().toISOString();
  const config = await ConfigStore.open(dir);
  const profile = (email) => ({ type: "webmail", host: "127.0.0.1", port: 587, security: "starttls", email, createdAt: now, updatedAt: now });
  config.saveProfile({ kind: "company" }, profile("sales@bench.mailcfg.test"));
  config.saveProfile({ kind: "user", id: "jdoe" }, profile("jdoe@bench.mailcfg.test"));
  const secrets = new FileSecretStore(dir);
  await secrets.set("company/password", "bench-only-password");
  await secrets.set("user/jdoe/password", "bench-only-password");
  return dir;
}

/** Document i: a user's sales order, or every third one an automatic ship confirmation. */
const doc = (i) =>
  i % 3 === 2
    ? { doc: "ship-confirmation", to: `buyer${i}@customer.test`, var: { number: `SO-${i}`, customer: `Customer ${i}`, tracking: `1Z${i}` } }
    : { doc: "sales-order", user: "jdoe", to: `buyer${i}@customer.test`, var: { number: `SO-${i}`, customer: `Customer ${i}` } };
const flags = (d) => ["--doc", d.doc, "--to", d.to, ...(d.user ? ["--user", d.user] : []), ...Object.entries(d.var).flatMap(([k, v]) => ["--var", `${k}=${v}`])];

function mailcfg(dir, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(WORK, "mailcfg.mjs"), ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("close", (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`mailcfg ${args.slice(0, 3).join(" ")}: exit ${code}: ${err}`))));
  });
}

async function batch(round) {
  const dir = await folder(`batch-${round}`);
  const file = join(dir, "documents.jsonl");
  writeFileSync(file, Array.from({ length: DOCUMENTS }, (_, i) => JSON.stringify(doc(i))).join("\n") + "\n");
  const t0 = performance.now();
  const out = JSON.parse(await mailcfg(dir, ["queue", "add", "--from", file, "--json"]));
  const ms = performance.now() - t0;
  if (out.count !== DOCUMENTS) throw new Error(`queue add --from queued ${out.count} of ${DOCUMENTS}`);
  return ms;
}

async function singles(round) {
  const dir = await folder(`single-${round}`);
  const t0 = performance.now();
  for (let i = 0; i < SINGLE; i++) await mailcfg(dir, ["queue", "add", ...flags(doc(i)), "--json"]);
  return performance.now() - t0;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const batched = [];
const single = [];
try {
  await batch("warm-up");
  for (let round = 0; round < ROUNDS; round++) {
    batched.push(await batch(round));
    single.push(await singles(round));
  }
} finally {
  rmSync(WORK, { recursive: true, force: true });
}

const b = median(batched);
const perSingle = median(single) / SINGLE;
const scaled = perSingle * DOCUMENTS;
console.log(`queueing ${DOCUMENTS} documents (routed, rendered, checked, stored in SQLite), median of ${ROUNDS} rounds`);
console.log(`  one queue add --from <file.jsonl> process       ${(b / 1000).toFixed(2).padStart(7)} s   (${(b / DOCUMENTS).toFixed(1)} ms a document)`);
console.log(
  `  ${DOCUMENTS} queue add processes, one per document      ${(scaled / 1000).toFixed(2).padStart(7)} s   (${perSingle.toFixed(0)} ms a process` +
    (SINGLE < DOCUMENTS ? `; ${SINGLE} timed and scaled to ${DOCUMENTS}; BENCH_SINGLE_ADDS=${DOCUMENTS} times them all)` : ")"),
);
console.log(`  --from is ${(scaled / b).toFixed(0)} times faster`);
