import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, redirectAddressFor, startFakeGoogle, type FakeGoogle } from "../helpers/fake-google.js";
import { tempConfigDir, waitFor } from "../helpers/cli-run.js";
import { bundleCliInto } from "../helpers/build-cli.js";

/**
 * connect-gmail as a real process, with a stdin pipe that the caller never closes (a
 * terminal multiplexer, an `expect` script): the command must exit once it is done,
 * whether the answer came pasted on stdin or from the browser. The CLI is bundled
 * fresh from src/ into a folder under dist/ (inside the repository, so npm packages
 * resolve; ignored by git and eslint), removed afterwards.
 */
const root = resolve(import.meta.dirname, "../..");
let outdir: string;
let fake: FakeGoogle;

beforeAll(async () => {
  mkdirSync(join(root, "dist"), { recursive: true });
  outdir = mkdtempSync(join(root, "dist", ".test-build-"));
  await bundleCliInto(outdir);
  fake = await startFakeGoogle();
});

afterAll(async () => {
  await fake?.close();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

async function connect(mode: "paste" | "browser" | "secret-and-paste") {
  const { dir, cleanup } = tempConfigDir();
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", ...fake.env(), MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file" };
  const args = ["--input-type=module", "-e", `import { main } from ${JSON.stringify(join(outdir, "cli.js"))}; process.exitCode = await main(process.argv.slice(1));`];
  args.push("connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json");
  if (mode === "secret-and-paste") args.push("--client-secret-stdin");
  else env.MAILCFG_GOOGLE_CLIENT_SECRET = FAKE_CLIENT_SECRET;

  const child = spawn(process.execPath, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const killer = setTimeout(() => child.kill(), 8000);
  try {
    if (mode === "secret-and-paste") child.stdin.write(`${FAKE_CLIENT_SECRET}\n`);
    const [, url] = await waitFor(() => err, /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/);
    const landed = await redirectAddressFor(url ?? "");
    if (mode === "browser") await fetch(landed);
    else child.stdin.write(`${landed}\n`);
    // stdin is left open on purpose.
    const code = await exited;
    return { code, out, err };
  } finally {
    clearTimeout(killer);
    child.kill();
    cleanup();
  }
}

describe("connect-gmail as a process, stdin left open", () => {
  it.each(["paste", "browser", "secret-and-paste"] as const)("exits when done (%s)", async (mode) => {
    const r = await connect(mode);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, profile: { type: "gmail" } });
  });
});
