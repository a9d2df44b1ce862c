import { checkFor, errorText } from "./classify.js";
import { describeCodes, type CodeMeaning } from "./status-codes.js";
import { classify } from "../failures/classify.js";
import type { FailureFacts, Stage, UsedSettings } from "../failures/facts.js";
import type { Verdict } from "../failures/verdict.js";

export type StageName = "settings" | "dns" | "tcp" | "tls" | "greeting" | "ehlo" | "auth" | "mail" | "rcpt" | "data" | "http" | "ews" | "api";
export type StageStatus = "passed" | "failed" | "skipped";

export interface StageResult {
  stage: StageName;
  status: StageStatus;
  /** Wall-clock time the stage took, in milliseconds (0 when skipped). */
  ms: number;
  /** One line: what was seen (passed, failed) or why it did not run (skipped). */
  summary: string;
  details?: Record<string, unknown>;
  warnings?: string[];
}

/** Why the failing stage failed: the verdict `explain` gives, plus the stage and what probing found. */
export interface FailureReport extends Omit<Verdict, "meanings" | "check" | "source"> {
  stage: StageName;
  meanings: CodeMeaning[];
  check: string;
  /** What the server or library actually said (secrets masked by the caller's transcript/redact). */
  evidence: string;
}

/** What a stage hands back: passed by default, or skipped with its reason. */
export interface StageOutcome {
  summary: string;
  details?: Record<string, unknown>;
  warnings?: string[];
  skipped?: boolean;
}

/**
 * A stage failed. `text` is what gets classified (a server reply, an error message);
 * `evidence` is shown as is; `summary` is the stage's one line.
 */
export class StageFailure extends Error {
  constructor(
    readonly text: string,
    readonly summary: string,
    readonly extra: { evidence?: string; details?: Record<string, unknown>; override?: Partial<Verdict>; facts?: FailureFacts } = {},
  ) {
    super(summary);
  }
}

/**
 * Runs stages in order, timing each, and records passed/failed/skipped. After a
 * failure, or after the --stop-after stage, the remaining stages are recorded as
 * skipped with the reason.
 */
export class StageRunner {
  readonly results: StageResult[] = [];
  failure: StageRunnerFailure | undefined;
  private stoppedAfter: StageName | undefined;

  constructor(
    private readonly stopAfter: StageName | undefined,
    private readonly reasonNotRun: (stage: StageName) => string | undefined = () => undefined,
    /** The settings being diagnosed, for the failure model. */
    private readonly settings?: UsedSettings,
  ) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** True once a stage failed or the stop-after stage ran. */
  get finished(): boolean {
    return this.failed || this.stoppedAfter !== undefined;
  }

  async run(stage: StageName, body: () => Promise<StageOutcome>): Promise<boolean> {
    if (this.failure) return this.skip(stage, `not run: the ${this.failure.stage} stage failed`);
    if (this.stoppedAfter) return this.skip(stage, this.reasonNotRun(stage) ?? `not run: stopped after ${this.stoppedAfter} (--stop-after)`);
    const started = process.hrtime.bigint();
    const ms = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    try {
      const out = await body();
      this.results.push({
        stage,
        status: out.skipped ? "skipped" : "passed",
        ms: ms(),
        summary: out.summary,
        ...(out.details ? { details: out.details } : {}),
        ...(out.warnings && out.warnings.length > 0 ? { warnings: out.warnings } : {}),
      });
      if (stage === this.stopAfter) this.stoppedAfter = stage;
      return !out.skipped;
    } catch (err) {
      const f = err instanceof StageFailure ? err : undefined;
      const text = f ? f.text : errorText(err);
      const summary = f ? f.summary : firstLine(err instanceof Error ? err.message : String(err));
      const facts = stageFacts(stage, this.settings, f?.extra.facts);
      const classification: Verdict = { ...classify({ facts, text }), ...(f?.extra.override ?? {}) };
      this.results.push({ stage, status: "failed", ms: ms(), summary, ...(f?.extra.details ? { details: f.extra.details } : {}) });
      this.failure = {
        stage,
        text,
        facts,
        classification,
        evidence: f?.extra.evidence ?? text,
        ...(f?.extra.details ? { details: f.extra.details } : {}),
      };
      return false;
    }
  }

  skip(stage: StageName, reason: string): false {
    this.results.push({ stage, status: "skipped", ms: 0, summary: reason });
    return false;
  }

  result(stage: StageName): StageResult | undefined {
    return this.results.find((r) => r.stage === stage);
  }

  passed(stage: StageName): boolean {
    return this.result(stage)?.status === "passed";
  }
}

export interface StageRunnerFailure {
  stage: StageName;
  /** What was classified, and the facts it was classified with (a probe may add to them). */
  text: string;
  facts: FailureFacts;
  classification: Verdict;
  evidence: string;
  details?: Record<string, unknown>;
}

/** The failure model's stage for a diagnose stage: STARTTLS happens in the tls stage here. */
function stageFacts(stage: StageName, settings: UsedSettings | undefined, extra: FailureFacts | undefined): FailureFacts {
  const named: Partial<Record<StageName, Stage>> = { ews: "api", settings: undefined };
  let mapped: Stage | undefined = stage in named ? named[stage] : (stage as Stage);
  if (mapped === "tls" && settings?.security === "starttls") mapped = "starttls";
  return { ...(mapped ? { stage: mapped } : {}), ...(settings ? { settings } : {}), ...(extra ?? {}) };
}

export function firstLine(s: string): string {
  return s.split(/\r?\n/)[0] ?? s;
}

export function failureReport(stage: StageName, c: Verdict, evidence: string): FailureReport {
  return {
    stage,
    category: c.category,
    cause: c.cause,
    fix: c.fix,
    ...(c.provider ? { provider: c.provider } : {}),
    ...(c.code ? { code: c.code } : {}),
    codes: c.codes,
    meanings: c.meanings ?? describeCodes(c.codes),
    ...(c.productMessage ? { productMessage: c.productMessage } : {}),
    check: c.check ?? checkFor(c.category, c.provider),
    ...(c.rowId ? { rowId: c.rowId } : {}),
    transient: c.transient,
    ...(c.remedy ? { remedy: c.remedy } : {}),
    evidence,
  };
}
