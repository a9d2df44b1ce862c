import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildCli, runBuiltCli, type BuiltCli } from "../helpers/build-cli.js";
import { tempDir, useRig } from "../helpers/smtp-rig.js";

/**
 * Parallel `setup user uN` processes (the built CLI) into one config folder: every
 * profile and every password each of them reported as saved is there afterwards.
 * MAILCFG_CONCURRENCY_ROUNDS raises the number of rounds for a measurement.
 */
const ROUNDS = Number(process.env.MAILCFG_CONCURRENCY_ROUNDS ?? 3);
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
      runBuiltCli(
        cli.entry,
        ["setup", "user", id, "--host", "127.0.0.1", "--port", String(rig.starttls.port), "--security", "starttls", "--email", `${id}@acme.test`, "--no-validate"],
        { MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", MAILCFG_PASSWORD: `fake-password-${round}-${i}` },
      ),
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
