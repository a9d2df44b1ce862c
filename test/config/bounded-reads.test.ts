import { describe, expect, it } from "vitest";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { runCli, tempDir } from "../helpers/cli.js";
import { runNode } from "../helpers/child.js";
import { useBuiltCli } from "../helpers/build-cli.js";
import { folderWithCompany, PASSWORD, useRig, webmailFlags } from "../helpers/smtp-rig.js";

/**
 * Every file mailcfg reads, whether it keeps it or is given it, is read with a limit:
 * a FIFO or a device is refused at once (exit 2, naming the path) instead of blocking
 * the run or filling memory, and the limit counts the bytes actually read.
 */
const rig = useRig();
const built = useBuiltCli();


const fifo = (path: string) => execFileSync("mkfifo", [path]);
const env = (dir: string) => ({ MAILCFG_CONFIG_DIR: dir, MAILCFG_SECRET_STORE: "file", MAILCFG_PASSWORD: PASSWORD });
const doc = ["--doc", "sales-order", "--to", "buyer@customer.test", "--var", "number=SO-1", "--var", "customer=Acme", "--dry-run", "--json"];

async function refusedAtOnce(dir: string, args: string[], path: string, words: RegExp) {
  const r = await runNode([built.cli.entry, ...args], { env: env(dir), ms: 8000 });
  expect(r.timedOut, `${args.join(" ")} blocked`).toBe(false);
  expect(r.code, r.stdout + r.stderr).toBe(2);
  const e = (JSON.parse(r.stdout) as { error: { message: string } }).error;
  expect(e.message).toContain(path);
  expect(e.message).toMatch(words);
}

describe("files that are not regular files", () => {
  it("a FIFO as config.json", async () => {
    const dir = tempDir();
    fifo(join(dir, "config.json"));
    await refusedAtOnce(dir, ["status", "--json"], join(dir, "config.json"), /FIFO/);
  });

  it("a FIFO as secrets.json", async () => {
    const dir = await folderWithCompany(rig);
    rmSync(join(dir, "secrets.json"));
    fifo(join(dir, "secrets.json"));
    await refusedAtOnce(dir, ["validate", "company", "--no-send", "--json"], join(dir, "secrets.json"), /FIFO/);
  });

  it("a FIFO as queue.db", async () => {
    const dir = tempDir();
    fifo(join(dir, "queue.db"));
    await refusedAtOnce(dir, ["queue", "list", "--json"], join(dir, "queue.db"), /FIFO/);
  });

  it("a FIFO as a template", async () => {
    const dir = await folderWithCompany(rig);
    const templates = join(dir, "templates");
    mkdirSync(templates);
    fifo(join(templates, "sales-order.subject"));
    expect((await runCli(["config", "set", "templates-dir", templates], { dir })).code).toBe(0);
    await refusedAtOnce(dir, ["send", ...doc], join(templates, "sales-order.subject"), /FIFO/);
  });

  it("a FIFO or a device as --ca", async () => {
    const dir = tempDir();
    const ca = join(dir, "ca-fifo.pem");
    fifo(ca);
    const setup = (file: string) => ["setup", "company", ...webmailFlags(rig.starttls, "starttls", file), "--no-validate", "--json"];
    await refusedAtOnce(dir, setup(ca), ca, /FIFO/);
    await refusedAtOnce(dir, setup("/dev/zero"), "/dev/zero", /device/);
  });

  it("a FIFO or a device as an attachment", async () => {
    const dir = await folderWithCompany(rig);
    const file = join(dir, "attachment.pdf");
    fifo(file);
    await refusedAtOnce(dir, ["send", ...doc, "--attach", file], file, /FIFO/);
    await refusedAtOnce(dir, ["send", ...doc, "--attach", "/dev/zero"], "/dev/zero", /device/);
  });

  it("config.json linked to /dev/zero", async () => {
    const dir = tempDir();
    symlinkSync("/dev/zero", join(dir, "config.json"));
    await refusedAtOnce(dir, ["status", "--json"], join(dir, "config.json"), /device/);
  });
});

describe("size limits count the bytes read", () => {
  it("a /proc file (size 0 on disk) over the attachment limit is refused", async () => {
    const dir = await folderWithCompany(rig);
    expect((await runCli(["config", "set", "attachment-limit-mb", "0.0001"], { dir })).code).toBe(0);
    await refusedAtOnce(dir, ["send", ...doc, "--attach", "/proc/self/status"], "/proc/self/status", /limit/);
  });

  it("a config.json larger than any real one is refused, not read whole", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), `{"version":1,"users":{},"settings":{},"pad":"${"x".repeat(5 * 1024 * 1024)}"}`);
    await refusedAtOnce(dir, ["status", "--json"], join(dir, "config.json"), /larger than/);
  });
});

describe("other reads", () => {
  it("a FIFO planted as the lock file is refused, not waited on", async () => {
    const dir = tempDir();
    fifo(join(dir, "config.lock"));
    await refusedAtOnce(dir, ["config", "set", "ship-confirmation-sender", "user", "--json"], join(dir, "config.lock"), /FIFO/);
  });

  it("--password-stdin stops reading past 64 KB (exit 2)", async () => {
    const dir = tempDir();
    const r = await runCli(["setup", "company", ...webmailFlags(rig.starttls, "starttls", undefined), "--password-stdin", "--no-validate", "--json"], { dir, stdin: "x".repeat(200_000) });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect((r.json().error as { message: string }).message).toMatch(/Standard input is larger/);
  });
});
