// Queue throughput: 1000 queued messages through `mailcfg queue run` (a real child
// process, SQLite queue, pooled SMTP) to a local smtp-server with STARTTLS and AUTH,
// beside a plain nodemailer pooled send of the same 1000 messages in the same run.
//
//   node scripts/bench-queue.mjs            (BENCH_MESSAGES, BENCH_CONCURRENCY, BENCH_ROUNDS)
//
// Everything stays on 127.0.0.1; scratch files go to .tmp/bench-queue and are removed.
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

const ROOT = resolve(import.meta.dirname, "..");
const WORK = join(ROOT, ".tmp", "bench-queue");
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COMPANY = "sales@bench.mailcfg.test";
const PASSWORD = "bench-only-password"; // the local bench server's, nothing else

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
if (!existsSync(join(WORK, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(WORK, "node_modules"), "dir");

// The CLI exactly as `npm run build` bundles it, and the few modules the bench itself uses.
const common = { bundle: true, format: "esm", platform: "node", target: "node20", packages: "external", logLevel: "warning" };
await build({ ...common, entryPoints: [join(ROOT, "src/cli.ts")], outdir: join(WORK, "dist"), splitting: true });
writeFileSync(join(WORK, "mailcfg.mjs"), 'import { main } from "./dist/cli.js";\nprocess.exitCode = await main(process.argv.slice(2));\n');
await build({
  ...common,
  stdin: {
    contents: [
      'export { QueueStore } from "./src/queue/store.ts";',
      'export { ConfigStore } from "./src/config/store.ts";',
      'export { FileSecretStore } from "./src/config/secrets.ts";',
      'export { ThrowawayCa } from "./src/tls/throwaway-ca.ts";',
    ].join("\n"),
    resolveDir: ROOT,
    loader: "ts",
  },
  outfile: join(WORK, "lib.mjs"),
});
const { QueueStore, ConfigStore, FileSecretStore, ThrowawayCa } = await import(join(WORK, "lib.mjs"));
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

// The plain send runs in its own process too, like queue run, so both get the same
// share of the machine; it reports the time from its first send to its last reply.
const PLAIN = `
import nodemailer from "nodemailer";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
const { port, ca, user, pass, concurrency, messages, from } = JSON.parse(process.argv[2]);
const COMPANY = from;
const message = ${message.toString()};
const transport = nodemailer.createTransport({
  host: "127.0.0.1", port, secure: false, requireTLS: true, auth: { user, pass },
  tls: { ca: [ca] }, pool: true, maxConnections: concurrency,
});
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

async function plainNodemailer(mode = "all") {
  const before = received;
  const args = JSON.stringify({ port, ca: ca.cert, user: COMPANY, pass: PASSWORD, concurrency: CONCURRENCY, messages: MESSAGES, from: COMPANY });
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
  for (let i = 0; i < MESSAGES; i++) {
    q.add(
      {
        kind: "sales-order",
        actingUser: null,
        owner: { kind: "company" },
        senderEmail: COMPANY,
        messageId: `<${randomUUID()}@bench.mailcfg.test>`,
        message: message(i),
        attachments: [],
        route: { sender: "company" },
        dueAt: 0,
      },
      Date.now(),
    );
  }
  q.close();

  const before = received;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE] : []), join(WORK, "mailcfg.mjs"), "queue", "run", "--ca", caFile, "--concurrency", String(CONCURRENCY), "--json"], {
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (ms) => (MESSAGES * 1000) / ms;
const plainAll = [];
const plainBounded = [];
const queued = [];
try {
  await plainNodemailer(); // warm-up: disk cache, TLS
  for (let round = 0; round < ROUNDS; round++) {
    plainAll.push(await plainNodemailer("all"));
    plainBounded.push(await plainNodemailer("bounded"));
    queued.push(await queueRun(round));
  }
} finally {
  server.close();
  rmSync(WORK, { recursive: true, force: true });
}

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
