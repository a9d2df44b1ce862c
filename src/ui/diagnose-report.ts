import type { ProviderSettings } from "../config/types.js";
import { EXIT_CODES } from "../errors.js";
import type { FailureReport, StageName, StageResult } from "../diagnosis/stages.js";
import { describeSettings } from "../senders/describe.js";
import { printable } from "./printable.js";
import type { Theme } from "./theme.js";

/** What diagnose found: each stage, the failing one explained, and what other settings showed. */
export interface DiagnosisReport {
  stages: StageResult[];
  failure?: FailureReport;
  findings: string[];
  sent: boolean;
}

const MARK = { passed: "✓", failed: "✗", skipped: "-" } as const;

/** The report of `mailcfg diagnose` as text: each stage with its timing, then the failure explained (or the pass). */
export function renderDiagnosis(
  t: Theme,
  subject: { label: string; settings: ProviderSettings },
  report: DiagnosisReport,
  order: StageName[],
  transcriptFile: string | undefined,
  transcriptText: string | undefined,
  notes: string[],
): string {
  const lines: string[] = [];
  lines.push(t.bold(`Diagnosing the ${subject.label}: ${describeSettings(subject.settings)}`));
  const width = Math.max(...order.map((n) => n.length));
  for (const r of report.stages) {
    const mark = r.status === "passed" ? t.ok(MARK.passed) : r.status === "failed" ? t.bad(MARK.failed) : t.dim(MARK.skipped);
    const time = r.status === "skipped" ? "" : `${r.ms} ms`;
    lines.push(`  ${mark} ${r.stage.padEnd(width)} ${time.padStart(8)}  ${r.status === "skipped" ? t.dim(printable(r.summary)) : printable(r.summary)}`);
    for (const w of r.warnings ?? []) lines.push(`  ${" ".repeat(width + 12)}${t.warn("warning")}: ${printable(w)}`);
  }
  lines.push("");
  const f = report.failure;
  if (f) {
    if (f.productMessage) lines.push(t.dim(`The product shows: "${f.productMessage}"`));
    lines.push(`${t.bad("✗")} The ${f.stage} stage failed [${f.category}, exit code ${EXIT_CODES[f.category]}]${f.provider ? ` (${f.provider})` : ""}`);
    // The server's own words (a greeting, a reply) are shown, never obeyed by the terminal.
    lines.push(`  cause: ${printable(f.cause)}`);
    lines.push(`  evidence: ${printable(f.evidence.replace(/\n/g, " | "))}`);
    if (f.code) lines.push(`  code: ${f.code}${f.meanings.find((m) => m.code === f.code) ? ` (${f.meanings.find((m) => m.code === f.code)?.meaning})` : ""}`);
    for (const finding of report.findings) lines.push(`  found: ${printable(finding)}`);
    lines.push("  fix:");
    f.fix.forEach((step, i) => lines.push(`    ${i + 1}. ${step}`));
    lines.push(`  check again: ${t.cmd(f.check)}`);
  } else {
    const last = [...report.stages].reverse().find((r) => r.status === "passed");
    lines.push(`${t.ok("✓")} Every stage that ran passed${last ? ` (up to ${last.stage})` : ""}.` + (report.sent ? " A test message was sent." : " No mail was sent" + (subject.settings.type === "webmail" && subject.settings.transport !== "graph" ? " (add --send to send a test message)." : ".")));
    for (const finding of report.findings) lines.push(`  found: ${finding}`);
  }
  for (const n of notes) lines.push(`${t.warn("note")}: ${n}`);
  if (transcriptFile) lines.push(t.dim(`Transcript (secrets masked) written to ${transcriptFile}.`));
  if (transcriptText) lines.push("", t.bold("Transcript (secrets masked):"), transcriptText.trimEnd());
  return lines.join("\n") + "\n";
}
