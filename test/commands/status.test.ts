import { describe, expect, it } from "vitest";
import {
  PASSWORD,
  PASSWORD2,
  run,
  tempDir,
  USER,
  USER2,
  useRig,
  webmailFlags,
} from "../helpers/smtp-rig.js";

const rig = useRig();

const T1 = new Date("2026-11-20T10:00:00.000Z");
const T2 = new Date("2026-11-21T09:30:00.000Z");

/** A folder with the Company Email (validated at T1) and jdoe's User Email (validated at T1). */
async function twoProfiles() {
  const dir = tempDir();
  const company = await run(["setup", "company", ...webmailFlags(rig.starttls, "starttls", rig.caFile)], {
    dir,
    env: { MAILCFG_PASSWORD: PASSWORD },
    now: () => T1,
  });
  expect(company.code).toBe(0);
  // jdoe's server will go away, to make the profile fail later.
  const doomed = await rig.variant({});
  const user = await run(["setup", "user", "jdoe", ...webmailFlags(doomed, "starttls", rig.caFile, USER2)], {
    dir,
    env: { MAILCFG_PASSWORD: PASSWORD2 },
    now: () => T1,
  });
  expect(user.code).toBe(0);
  return { dir, doomed };
}

describe("status", () => {
  it("with no profiles says how to start, exit 0", async () => {
    const r = await run(["status"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/No profiles are set up\. Start with: mailcfg setup company/);
  });

  it("lists each profile with type, address, server and the last validation", async () => {
    const { dir, doomed } = await twoProfiles();
    const r = await run(["status"], { dir });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`✓ Company Email: webmail ${USER} via 127.0.0.1:${rig.starttls.port}`);
    expect(r.out).toContain(`✓ User Email of jdoe: webmail ${USER2} via 127.0.0.1:${doomed.port}`);
    expect(r.out).toContain(`last validated ${T1.toISOString()} (test mail to ${USER}): passed`);
    expect(r.out).not.toMatch(/fix:/);

    const j = await run(["status", "--json"], { dir });
    expect(j.code).toBe(0);
    expect(j.json()).toEqual({
      ok: true,
      configFile: expect.stringContaining(dir),
      profiles: [
        {
          owner: { kind: "company" },
          type: "webmail",
          email: USER,
          server: `127.0.0.1:${rig.starttls.port}`,
          state: "ok",
          validation: { at: T1.toISOString(), ok: true, method: "test-mail", to: USER },
          notes: [],
        },
        {
          owner: { kind: "user", id: "jdoe" },
          type: "webmail",
          email: USER2,
          server: `127.0.0.1:${doomed.port}`,
          state: "ok",
          validation: { at: T1.toISOString(), ok: true, method: "test-mail", to: USER2 },
          notes: [],
        },
      ],
    });
  });

  it("exits with the failing category's code and prints the fix command when a validation failed", async () => {
    const { dir, doomed } = await twoProfiles();
    await doomed.close();
    const v = await run(["validate", "user", "jdoe", "--ca", rig.caFile], { dir, now: () => T2 });
    expect(v.code).toBe(4);

    const r = await run(["status"], { dir });
    expect(r.code).toBe(4);
    expect(r.out).toContain("✗ User Email of jdoe");
    expect(r.out).toMatch(new RegExp(`last validated ${T2.toISOString()} \\(test mail\\): FAILED \\[server\\]`));
    expect(r.out).toContain("fix: mailcfg diagnose user jdoe");

    const j = await run(["status", "--json"], { dir });
    expect(j.code).toBe(4);
    const doc = j.json() as { ok: boolean; profiles: Array<Record<string, unknown>> };
    expect(doc.ok).toBe(false);
    expect(doc.profiles[0]).toMatchObject({ state: "ok" });
    expect(doc.profiles[1]).toMatchObject({
      state: "failing",
      fix: "mailcfg diagnose user jdoe",
      validation: { at: T2.toISOString(), ok: false, category: "server" },
    });
  });

  it("a profile saved without validation is 'never validated' and points at validate", async () => {
    const r0 = await run(["setup", "user", "asmith", ...webmailFlags(rig.starttls, "starttls", rig.caFile), "--no-validate"], {
      env: { MAILCFG_PASSWORD: PASSWORD },
    });
    expect(r0.code).toBe(0);
    const r = await run(["status"], { dir: r0.t.dir });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/No Company Email/);
    expect(r.out).toMatch(/never validated/);
    expect(r.out).toContain("fix: mailcfg validate user asmith");
  });
});
