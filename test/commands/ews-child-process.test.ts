/**
 * The built CLI in a fresh Node process: `mailcfg --help` and `status` must not load
 * ews-javascript-api (the probe reports which EWS modules ended up in the CommonJS
 * module cache), and NODE_EXTRA_CA_CERTS, which Node reads only at start-up, is honoured.
 * The CLI is bundled as scripts/build.mjs does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigStore } from "../../src/config/store.js";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { startFakeEws } from "../helpers/fake-ews.js";
import { tempConfig } from "../helpers/cli.js";
import { runNode } from "../helpers/child.js";
import { buildCli, type BuiltCli } from "../helpers/build-cli.js";

let cli: BuiltCli;
let probeScript: string;
const config = tempConfig("mailcfg-lazy-");
const configDir = config.dir;

beforeAll(async () => {
  cli = await buildCli();
  probeScript = join(dirname(cli.entry), "probe.mjs");
  writeFileSync(
    probeScript,
    `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { main } = await import("./dist/cli.js");
const codes = [];
for (const argv of JSON.parse(process.env.PROBE_ARGVS)) codes.push(await main(argv));
const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](ews-javascript-api|@ewsjs)[\\\\/]/.test(k));
process.stderr.write("\\nPROBE " + JSON.stringify({ codes, loaded: loaded.length }) + "\\n");
`,
  );
  const now = new Date().toISOString();
  (await ConfigStore.open(configDir)).saveProfile(
    { kind: "company" },
    { type: "exchange", email: "sales@acme.com", ewsUrl: "https://mail.acme.com/EWS/Exchange.asmx", domain: "acme.com", username: "jdoe", createdAt: now, updatedAt: now },
  );
}, 60_000);

afterAll(() => {
  cli?.remove();
  config.remove();
});

interface ProbeResult {
  codes: number[];
  code: number;
  loaded: number;
  stdout: string;
}

/** Runs the CLI once per argv, in order, in one fresh Node process. */
async function probe(argvs: string[][], env: Record<string, string> = {}): Promise<ProbeResult> {
  const r = await runNode([probeScript], {
    env: { PROBE_ARGVS: JSON.stringify(argvs), MAILCFG_CONFIG_DIR: configDir, MAILCFG_SECRET_STORE: "file", MAILCFG_PASSWORD: "fake-password-123", ...env },
    ms: 20_000,
  });
  const m = /PROBE (\{.*\})/.exec(r.stderr);
  if (!m?.[1]) throw new Error(`no probe line: ${r.stderr}`);
  const p = JSON.parse(m[1]) as { codes: number[]; loaded: number };
  return { ...p, code: p.codes[0] ?? -1, stdout: r.stdout };
}

describe("loading ews-javascript-api lazily", () => {
  it("mailcfg --help does not load it", async () => {
    const r = await probe([["--help"]]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Exchange (EWS)");
    expect(r.loaded).toBe(0);
  });

  it("mailcfg status with an exchange profile does not load it", async () => {
    const r = await probe([["status"]]);
    expect(r.stdout).toContain("exchange sales@acme.com");
    expect(r.loaded).toBe(0);
  });

  it("an Exchange validation does load it (the probe can see it)", async () => {
    // Port 1 on loopback: refused at once, no traffic leaves this computer.
    const r = await probe([["validate", "--type", "exchange", "--ews-url", "http://127.0.0.1:1/EWS/Exchange.asmx", "--domain", "acme.com", "--username", "jdoe", "--email", "sales@acme.com", "--no-send"]]);
    expect(r.code).toBe(4);
    expect(r.loaded).toBeGreaterThan(0);
  });
});

describe("trusting a private CA from the environment", () => {
  it("NODE_EXTRA_CA_CERTS is honoured, alone and together with --ca", async () => {
    const ca = new ThrowawayCa();
    const other = new ThrowawayCa("another private CA");
    const server = await startFakeEws({ users: { "acme.com\\jdoe": { password: "fake-password-123", mailbox: "jdoe@acme.com" } }, tls: ca.issue() });
    try {
      const caFile = join(configDir, "exchange-ca.pem");
      const otherFile = join(configDir, "other-ca.pem");
      writeFileSync(caFile, ca.cert);
      writeFileSync(otherFile, other.cert);
      const argv = ["validate", "--type", "exchange", "--ews-url", server.url, "--domain", "acme.com", "--username", "jdoe", "--email", "jdoe@acme.com", "--no-send"];
      // Without the CA: untrusted, also when another CA is given with --ca.
      expect((await probe([argv, [...argv, "--ca", otherFile]])).codes).toEqual([5, 5]);
      // --ca replaces Node's default list; the environment's CA must still count.
      expect((await probe([argv, [...argv, "--ca", otherFile]], { NODE_EXTRA_CA_CERTS: caFile })).codes).toEqual([0, 0]);
    } finally {
      await server.close();
    }
  });
});
