import { describe, expect, it } from "vitest";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { saveWebmail } from "../helpers/profiles.js";
import { runCli, tempDir } from "../helpers/cli.js";


async function folderWithSenders(): Promise<string> {
  const dir = tempDir();
  await saveWebmail(dir, { kind: "company" }, { email: "sales@acme.test", host: "127.0.0.1", port: 587, security: "starttls" });
  await saveWebmail(dir, { kind: "user", id: "jdoe" }, { email: "jdoe@acme.test", host: "127.0.0.1", port: 587, security: "starttls" });
  return dir;
}

const line = (o: Record<string, unknown>) => JSON.stringify(o);
const invoice = (n: number, extra: Record<string, unknown> = {}) =>
  line({ doc: "invoice", user: "jdoe", to: `ap${n}@customer.test`, var: { number: `INV-${n}`, customer: "Acme" }, ...extra });

async function entries(dir: string): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(["queue", "list", "--json"], { dir });
  return r.json().entries as Array<Record<string, unknown>>;
}

describe("queue add --from <file.jsonl>", () => {
  it("queues one entry per line, with the same fields as the flags, routed like queue add", async () => {
    const dir = await folderWithSenders();
    const attachment = join(dir, "INV-2.pdf");
    writeFileSync(attachment, "%PDF-fake");
    const file = join(dir, "batch.jsonl");
    writeFileSync(
      file,
      [
        invoice(1, { cc: ["boss@customer.test"], subject: "Invoice {{number}} for you" }),
        "",
        invoice(2, { attach: attachment, bcc: "audit@acme.test" }),
        line({ doc: "ship-confirmation", to: ["buyer@customer.test", "dock@customer.test"], var: { number: "SO-7", customer: "Acme", tracking: "1Z" } }),
      ].join("\n") + "\n",
    );
    const r = await runCli(["queue", "add", "--from", file, "--json"], { dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json() as { count: number; entries: Array<{ id: number; line: number; from: string }> };
    expect(doc.count).toBe(3);
    expect(doc.entries.map((e) => [e.line, e.from])).toEqual([
      [1, "jdoe@acme.test"],
      [3, "jdoe@acme.test"],
      [4, "sales@acme.test"],
    ]);
    const list = await entries(dir);
    expect(list.map((e) => e.subject)).toEqual(["Invoice INV-1 for you", "Invoice INV-2", "Sales order SO-7 has shipped"]);
    expect(list[0]).toMatchObject({ cc: ["boss@customer.test"], kind: "invoice", user: "jdoe" });
    expect(list[1]).toMatchObject({ bcc: ["audit@acme.test"], attachments: [{ filename: "INV-2.pdf", size: 9 }] });
    expect(list[2]).toMatchObject({ to: ["buyer@customer.test", "dock@customer.test"], sender: "company" });
  });

  it("one bad line: nothing is stored, exit 2, the line is named", async () => {
    const dir = await folderWithSenders();
    const file = join(dir, "batch.jsonl");
    const lines = Array.from({ length: 50 }, (_, i) => invoice(i + 1));
    lines[36] = invoice(37, { to: "not an address" });
    writeFileSync(file, lines.join("\n"));
    const r = await runCli(["queue", "add", "--from", file], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 37:");
    expect(r.stderr).toContain('"not an address" is not a valid email address');
    expect(r.stderr).toMatch(/Nothing was queued/);
    expect(existsSync(join(dir, "queue.db")) ? await entries(dir) : []).toEqual([]);
  });

  it.each([
    ["not JSON", "{doc: invoice}", /line 2: not JSON/],
    ["an unknown field", line({ doc: "invoice", to: "a@customer.test", var: { number: "1", customer: "A" }, too: "b@x.test" }), /line 2: unknown field "too"/],
    ["a missing doc", line({ to: "a@customer.test" }), /line 2: "doc" is missing/],
    ["an unknown kind", line({ doc: "invoicee", to: "a@customer.test" }), /line 2: .*invoicee/],
    ["a missing variable", line({ doc: "invoice", to: "a@customer.test" }), /line 2: .*needs variables that were not given: number, customer/],
    ["a missing attachment", invoice(2, { attach: "/nonexistent/x.pdf" }), /line 2: --attach \/nonexistent\/x\.pdf: no such file/],
  ])("%s is refused before anything is stored", async (_name, bad, message) => {
    const dir = await folderWithSenders();
    const file = join(dir, "batch.jsonl");
    writeFileSync(file, [invoice(1), bad, invoice(3)].join("\n"));
    const r = await runCli(["queue", "add", "--from", file], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, "queue.db")) ? await entries(dir) : []).toEqual([]);
  });

  it("reads standard input with --from -", async () => {
    const dir = await folderWithSenders();
    const r = await runCli(["queue", "add", "--from", "-"], { dir, stdin: [invoice(1), invoice(2)].join("\n") + "\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Queued 2 entries \(#1-#2\) from standard input: 2 from jdoe@acme\.test/);
  });

  it("--from with a message flag is a usage error; without --from, --doc and --to are still required", async () => {
    const dir = await folderWithSenders();
    const mixed = await runCli(["queue", "add", "--from", "-", "--doc", "invoice"], { dir, stdin: invoice(1) });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("--doc cannot be given with it");
    const noDoc = await runCli(["queue", "add", "--to", "a@customer.test"], { dir });
    expect(noDoc.code).toBe(2);
    expect(noDoc.stderr).toContain("Missing --doc");
  });

  it("one process queues hundreds", async () => {
    const dir = await folderWithSenders();
    const file = join(dir, "batch.jsonl");
    writeFileSync(file, Array.from({ length: 300 }, (_, i) => invoice(i + 1)).join("\n"));
    const started = Date.now();
    const r = await runCli(["queue", "add", "--from", file, "--json"], { dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().count).toBe(300);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await entries(dir)).toHaveLength(300);
  });
});
