import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, redirectAddressFor, startFakeGoogle, type FakeGoogle } from "../helpers/fake-google.js";
import { tempConfig, waitFor } from "../helpers/cli.js";
import { startNode } from "../helpers/child.js";
import { useBuiltCli } from "../helpers/build-cli.js";

/**
 * connect-gmail as a real process, with a stdin pipe that the caller never closes (a
 * terminal multiplexer, an `expect` script): the command must exit once it is done,
 * whether the answer came pasted on stdin or from the browser. The CLI is bundled
 * fresh from src/ into a temporary folder, removed afterwards.
 */
const built = useBuiltCli();
let fake: FakeGoogle;

beforeAll(async () => {
  fake = await startFakeGoogle();
});

afterAll(async () => {
  await fake?.close();
});

async function connect(mode: "paste" | "browser" | "secret-and-paste") {
  const { dir, remove } = tempConfig();
  const env: Record<string, string> = { ...fake.env(), MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file" };
  const args = [built.cli.entry, "connect-gmail", "company", "--client-id", FAKE_CLIENT_ID, "--json"];
  if (mode === "secret-and-paste") args.push("--client-secret-stdin");
  else env.MAILCFG_GOOGLE_CLIENT_SECRET = FAKE_CLIENT_SECRET;

  const run = startNode(args, { env, stdin: "open", ms: 8000 });
  const { child } = run;
  try {
    if (mode === "secret-and-paste") child.stdin?.write(`${FAKE_CLIENT_SECRET}\n`);
    const [, url] = await waitFor(run.stderr, /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/);
    const landed = await redirectAddressFor(url ?? "");
    if (mode === "browser") await fetch(landed);
    else child.stdin?.write(`${landed}\n`);
    // stdin is left open on purpose.
    return await run.done;
  } finally {
    child.kill();
    remove();
  }
}

describe("connect-gmail as a process, stdin left open", () => {
  it.each(["paste", "browser", "secret-and-paste"] as const)("exits when done (%s)", async (mode) => {
    const r = await connect(mode);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, profile: { type: "gmail" } });
  });
});
