import { mkdtempSync, rmSync } from "node:fs";
import type { DemoInput } from "../cli/demo.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContext, type Context } from "../context.js";
import { startSandbox, type RunningSandbox } from "./sandbox.js";
import { runWith } from "../cli/definition.js";
import { validate } from "../cli/validate.js";
import { setup } from "../cli/setup.js";
import { status } from "../cli/status.js";
import { route } from "../cli/route.js";
import { send } from "../cli/send.js";
import type { CommandResult } from "./shared.js";

const COMPANY = "sales@demo.mailcfg.test";
const USER = "jdoe@demo.mailcfg.test";
// Obviously fake sandbox-only passwords.
const PASSWORDS = { [COMPANY]: "demo-company-password", [USER]: "demo-user-password" };

/**
 * The whole flow on the sandbox, with no prompts and nothing outside a temporary
 * folder: start the sandbox, set up the Company Email and a User Email against it
 * (each validated with a test mail), re-validate everything, show status, route and
 * send two documents (one from the user, one automatic from the company), and show
 * what the sandbox received.
 */
export async function runDemo(ctx: Context, opts: DemoInput): Promise<CommandResult> {
  const dir = mkdtempSync(join(tmpdir(), "mailcfg-demo-"));
  // With --json the walk-through goes to stderr, so stdout holds only the JSON document.
  const out = opts.json ? ctx.io.err : ctx.io.out;
  const step = (s: string) => out.write(`\n${ctx.theme.bold("==> " + s)}\n`);
  const sb = await startSandbox({ port: 0, dir: join(dir, "sandbox"), users: { ...PASSWORDS } });
  try {
    step(`Sandbox SMTP server on ${sb.server.host}:${sb.server.port} (STARTTLS, AUTH); config folder ${dir}`);
    // Each command runs in its own context on the demo's folder, as a separate run would.
    const sub = (password: string) =>
      createContext({
        io: { out, err: ctx.io.err, canPrompt: false, stdinIsTTY: false, errIsTTY: ctx.io.errIsTTY },
        env: { ...ctx.env, MAILCFG_CONFIG_DIR: join(dir, "config"), MAILCFG_SECRET_STORE: "file", MAILCFG_PASSWORD: password },
        now: ctx.now,
      });
    await walkThrough(sb, step, sub);

    step(`The sandbox received ${sb.server.messages.length} messages (saved in ${sb.mailDir}):`);
    for (const m of sb.server.messages) {
      const subject = /^Subject: (.*)$/m.exec(m.raw.toString("utf8"))?.[1] ?? "";
      out.write(`  ${m.from} -> ${m.to.join(", ")}: ${subject}\n`);
    }
    out.write(`\nDone. ${opts.keep ? `Everything is kept in ${dir}.` : "The temporary folder was removed (--keep keeps it)."}\n`);
    const received = sb.server.messages.map((m) => ({ from: m.from, to: m.to, ...(opts.keep && m.file ? { file: m.file } : {}) }));
    return { data: { dir, kept: opts.keep, received } };
  } finally {
    await sb.server.close();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** The commands of the demo, each shown as typed and run through its own definition. */
async function walkThrough(sb: RunningSandbox, step: (s: string) => void, sub: (password: string) => Context): Promise<void> {
  const common = { host: sb.server.host, port: String(sb.server.port), security: "starttls", type: "webmail" as const, ca: [sb.caFile] };

  step(`mailcfg setup company --host ${common.host} --port ${common.port} --security starttls --email ${COMPANY} --ca <sandbox CA>`);
  await runWith(setup, sub(PASSWORDS[COMPANY]), { ...common, target: "company", email: COMPANY });
  step(`mailcfg setup user jdoe ... --email ${USER}`);
  await runWith(setup, sub(PASSWORDS[USER]), { ...common, target: "user", id: "jdoe", email: USER });
  step("mailcfg validate --all --no-send");
  await runWith(validate, sub(""), { all: true, send: false, ca: [sb.caFile] });
  step("mailcfg status");
  await runWith(status, sub(""), {});

  // The product's routing: a document a user sends goes from that user's User Email,
  // automatic mail from the Company Email.
  step("mailcfg route --doc sales-order --user jdoe");
  await runWith(route, sub(""), { doc: "sales-order", user: "jdoe" });
  step('mailcfg send --doc sales-order --user jdoe --to buyer@customer.test --var number=SO-1001 --var customer="Acme Ltd"');
  await runWith(send, sub(""), { doc: "sales-order", to: ["buyer@customer.test"], user: "jdoe", var: ["number=SO-1001", "customer=Acme Ltd"], ca: [sb.caFile] });
  step("mailcfg send --doc ship-confirmation --user jdoe --to buyer@customer.test ... (automatic: from the Company Email)");
  const tracking = ["number=SO-1001", "customer=Acme Ltd", "tracking=1Z999AA10123456784"];
  await runWith(send, sub(""), { doc: "ship-confirmation", to: ["buyer@customer.test"], user: "jdoe", var: tracking, ca: [sb.caFile] });
}
