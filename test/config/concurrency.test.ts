import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { runNode } from "../helpers/child.js";
import { buildCli, type BuiltCli } from "../helpers/build-cli.js";
import { PASSWORD, USER, useRig } from "../helpers/smtp-rig.js";

/**
 * Parallel `setup user uN` processes (the built CLI) into one config folder: every
 * profile and every password each of them reported as saved is there afterwards.
 * MAILCFG_CONCURRENCY_ROUNDS raises the number of rounds for a measurement.
 */
const ROUNDS = Number(process.env.MAILCFG_CONCURRENCY_ROUNDS ?? 10);
const PARALLEL = 10;

const rig = useRig();
let cli: BuiltCli;
beforeAll(async () => {
  cli = await buildCli();
}, 60_000);
afterAll(() => cli?.remove());

function lostAfterParallelSetups(dir: string, round: number): Promise<{ profiles: number; passwords: number; failed: number }> {
  const ids = Array.from({ length: PARALLEL }, (_, i) => `u${round}x${i}`);
  return Promise.all(
    ids.map((id, i) =>
      runNode([cli.entry, "setup", "user", id, "--host", "127.0.0.1", "--port", String(rig.starttls.port), "--security", "starttls", "--email", `${id}@acme.test`, "--no-validate"], { env: { MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", MAILCFG_PASSWORD: `fake-password-${round}-${i}` } }),
    ),
  ).then((runs) => {
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { users: Record<string, unknown> };
    const secrets = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as Record<string, string>;
    const saved = ids.filter((_, i) => runs[i]?.code === 0);
    return {
      failed: ids.length - saved.length,
      profiles: saved.filter((id) => !config.users[id]).length,
      passwords: saved.filter((id) => secrets[`user/${id}/password`] !== `fake-password-${round}-${ids.indexOf(id)}`).length,
    };
  });
}

describe("parallel writers of config.json and secrets.json", () => {
  it(`${PARALLEL} parallel setups, ${ROUNDS} rounds: no profile and no password lost`, async () => {
    const dir = tempDir();
    const totals = { profiles: 0, passwords: 0, failed: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const r = await lostAfterParallelSetups(dir, round);
      totals.profiles += r.profiles;
      totals.passwords += r.passwords;
      totals.failed += r.failed;
    }
    // The figures, for the record: lost of ROUNDS * PARALLEL.
    console.log(`parallel setups: ${ROUNDS * PARALLEL} run, ${totals.failed} failed, ${totals.profiles} profiles lost, ${totals.passwords} passwords lost`);
    expect(totals).toEqual({ profiles: 0, passwords: 0, failed: 0 });
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { users: Record<string, unknown> };
    expect(Object.keys(config.users)).toHaveLength(ROUNDS * PARALLEL);
  }, 300_000);
});

describe("queue run's own config writes", () => {
  it("do not drop users set up while it runs", async () => {
    const dir = tempDir();
    const env = { MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", MAILCFG_PASSWORD: PASSWORD };
    const server = ["--host", "127.0.0.1", "--port", String(rig.starttls.port), "--security", "starttls", "--ca", rig.caFile];
    expect((await runNode([cli.entry, "setup", "company", ...server, "--email", USER, "--no-validate"], { env })).code).toBe(0);
    const doc = ["--doc", "overdue-invoice-reminder", "--to", "ap@customer.test", "--var", "customer=Acme", "--var", "number=INV-9", "--var", "amount=10 EUR", "--var", "due_date=2026-12-01"];
    for (let i = 0; i < 6; i++) expect((await runNode([cli.entry, "queue", "add", ...doc], { env })).code).toBe(0);
    const ids = Array.from({ length: 6 }, (_, i) => `q${i}`);
    const [queued, ...setups] = await Promise.all([
      runNode([cli.entry, "queue", "run", "--concurrency", "1"], { env }),
      ...ids.map((id) => runNode([cli.entry, "setup", "user", id, ...server, "--email", `${id}@acme.test`, "--no-validate"], { env })),
    ]);
    expect(queued?.code, queued?.stderr).toBe(0);
    expect(setups.map((s) => s.code)).toEqual(ids.map(() => 0));
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { users: Record<string, unknown>; company: { lastUsedAt?: string } };
    expect(Object.keys(config.users).sort()).toEqual(ids);
    expect(config.company.lastUsedAt).toBeDefined();
  }, 60_000);
});
