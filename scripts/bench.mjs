// npm run bench: medians of repeated whole-process runs, side by side.
//   1. `mailcfg --help` against bare `node -e 0` (aim: within 1.5x); for reference,
//      `mailcfg help` (the program answering) and `mailcfg status`.
//   1b. `mailcfg discover` of a built-in provider's address and of an ISP database one
//      (both answered without the network), beside `node -e 0`, for reference.
//   2. a full `mailcfg validate` (STARTTLS, AUTH, test mail) against the sandbox, beside
//      swaks doing the same authenticated send (aim: within 1.5x). Skipped with a note
//      when swaks is not installed (Debian package `swaks`).
// The sandbox runs in its own process (`mailcfg sandbox --json --port 0`), on 127.0.0.1.
// RUNS=<n> changes the number of runs per row (default 15).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "mailcfg.js");
const RUNS = Math.max(3, Number(process.env.RUNS) || 15);

if (!existsSync(join(ROOT, "dist", "cli.js"))) {
  spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
}

const work = mkdtempSync(join(tmpdir(), "mailcfg-bench-"));
const env = { PATH: process.env.PATH ?? "", HOME: work, MAILCFG_CONFIG_DIR: join(work, "config"), MAILCFG_SECRET_STORE: "file" };

/** Runs each command RUNS times, interleaved so load changes hit all of them alike: [median, fastest] each. */
function measure(commands) {
  const times = commands.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    commands.forEach((c, k) => {
      const started = process.hrtime.bigint();
      const r = spawnSync(c.argv[0], c.argv.slice(1), { env: { ...env, ...c.env }, stdio: ["ignore", "ignore", "pipe"], cwd: ROOT });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (r.status !== 0) throw new Error(`${c.label} failed (exit ${r.status}): ${String(r.stderr).trim()}`);
      times[k].push(ms);
    });
  }
  return times.map((t) => ({ median: median(t), min: Math.min(...t) }));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function hasSwaks() {
  return spawnSync("swaks", ["--version"], { stdio: "ignore" }).status === 0;
}

async function startSandbox() {
  const child = spawn(process.execPath, [BIN, "sandbox", "--json", "--port", "0", "--dir", join(work, "sandbox")], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", () => reject(new Error("the sandbox did not start")));
  });
  const ready = JSON.parse(first);
  // Keep draining its per-message lines so the pipe never fills.
  child.stdout.resume();
  return { ready, stop: () => child.kill("SIGTERM") };
}

const rows = [];
const notes = [];

const [help, bare, programHelp, status, discoverPreset, discoverIspdb] = measure([
  { label: "mailcfg --help", argv: [process.execPath, BIN, "--help"] },
  { label: "node -e 0", argv: [process.execPath, "-e", "0"] },
  { label: "mailcfg help", argv: [process.execPath, BIN, "help"] },
  { label: "mailcfg status", argv: [process.execPath, BIN, "status"] },
  { label: "mailcfg discover (preset)", argv: [process.execPath, BIN, "discover", "sales@gmail.com"] },
  { label: "mailcfg discover (ISPDB)", argv: [process.execPath, BIN, "discover", "sales@web.de"] },
]);
rows.push(["mailcfg --help", help, "node -e 0", bare, 1.5]);
// For reference, no aim: the program itself starting (commander and every command's
// definition; `--help` above is the text the build rendered), and a command that reads
// the config.
rows.push(["mailcfg help (the program's own start)", programHelp, "node -e 0", bare, undefined]);
rows.push(["mailcfg status (no profiles)", status, "node -e 0", bare, undefined]);
// Discovery answered from this machine: the presets, and the vendored ISP database table.
rows.push(["mailcfg discover sales@gmail.com (preset)", discoverPreset, "node -e 0", bare, undefined]);
rows.push(["mailcfg discover sales@web.de (ISPDB)", discoverIspdb, "node -e 0", bare, undefined]);

const sandbox = await startSandbox();
try {
  const { port, user, password, caFile } = sandbox.ready;
  const validate = {
    label: "mailcfg validate",
    argv: [process.execPath, BIN, "validate", "--type", "webmail", "--host", "127.0.0.1", "--port", String(port), "--security", "starttls", "--email", user, "--ca", caFile],
    env: { MAILCFG_PASSWORD: password },
  };
  if (hasSwaks()) {
    const swaks = {
      label: "swaks",
      // The same work: STARTTLS with the certificate checked against the sandbox CA, AUTH, one message.
      argv: ["swaks", "--silent", "2", "--server", `127.0.0.1:${port}`, "--tls", "--tls-verify", "--tls-ca-path", caFile,
        "--auth", "LOGIN", "--auth-user", user, "--auth-password", password, "--from", user, "--to", user,
        "--header", "Subject: swaks test mail"],
    };
    const [ours, theirs] = measure([validate, swaks]);
    rows.push(["mailcfg validate (STARTTLS, AUTH, test mail)", ours, "swaks, same send", theirs, 1.5]);
  } else {
    const [ours] = measure([validate]);
    rows.push(["mailcfg validate (STARTTLS, AUTH, test mail)", ours, "swaks (not installed)", undefined, 1.5]);
    notes.push("swaks is not installed, so the validate row has no comparison (apt-get install swaks).");
  }
} finally {
  sandbox.stop();
}

const ms = (x) => (x === undefined ? "-" : `${x.median.toFixed(1)} ms (${x.min.toFixed(1)})`);
const ratio = (a, b) => (b === undefined ? "-" : `${(a.median / b.median).toFixed(2)}x (${(a.min / b.min).toFixed(2)}x)`);
console.log(`mailcfg benchmark: median (fastest) of ${RUNS} whole-process runs each, node ${process.version}\n`);
const header = ["", "median (min)", "against", "median (min)", "ratio (of mins)", "aim"];
const table = [header, ...rows.map(([a, am, b, bm, aim]) => [a, ms(am), b, ms(bm), ratio(am, bm), aim === undefined ? "-" : `<= ${aim}x`])];
const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd());
for (const n of notes) console.log(`\nnote: ${n}`);
rmSync(work, { recursive: true, force: true });
