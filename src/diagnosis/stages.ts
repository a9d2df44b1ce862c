import type { Category } from "../errors.js";
import { checkFor, classifyText, errorText, type Classification } from "./classify.js";
import { describeCodes, type CodeMeaning } from "./status-codes.js";

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

/** Why the failing stage failed, in the words `explain` uses, plus what probing found. */
export interface FailureReport {
  stage: StageName;
  category: Category;
  cause: string;
  fix: string[];
  provider?: string;
  code?: string;
  codes: string[];
  meanings: CodeMeaning[];
  productMessage?: string;
  check: string;
  rowId?: string;
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
    readonly extra: { evidence?: string; details?: Record<string, unknown>; override?: Partial<Classification> } = {},
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
  failure: { stage: StageName; classification: Classification; evidence: string; details?: Record<string, unknown> } | undefined;
  private stoppedAfter: StageName | undefined;

  constructor(
    private readonly stopAfter: StageName | undefined,
    private readonly reasonNotRun: (stage: StageName) => string | undefined = () => undefined,
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
      const classification = { ...classifyText(text), ...(f?.extra.override ?? {}) };
      this.results.push({ stage, status: "failed", ms: ms(), summary, ...(f?.extra.details ? { details: f.extra.details } : {}) });
      this.failure = {
        stage,
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

export function firstLine(s: string): string {
  return s.split(/\r?\n/)[0] ?? s;
}

export function failureReport(stage: StageName, c: Classification, evidence: string): FailureReport {
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
    evidence,
  };
}
