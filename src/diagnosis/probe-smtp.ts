import type { Security } from "../config/types.js";
import { classify } from "../failures/classify.js";
import type { UsedSettings } from "../failures/facts.js";
import { explore } from "./smtp-explore.js";
import type { ProbeOptions, ProbeReport, SmtpTarget, Trial } from "./smtp-probe-types.js";
import { hangUp, openSession, smtpStages } from "./smtp-stages.js";
import { StageRunner, failureReport, type FailureReport, type StageName, type StageRunnerFailure } from "./stages.js";


/** The stages in the order they run for a security setting. */
export function smtpStageOrder(security: Security): StageName[] {
  return smtpStages(security).map(([stage]) => stage);
}

/**
 * Runs the SMTP stages one by one over a connection of our own: DNS, TCP, TLS (implicit
 * or STARTTLS), greeting, EHLO, AUTH, MAIL FROM, RCPT TO and, only with `send`, DATA.
 * When a stage fails it is classified like `explain` does, and for the common mismatches
 * other settings are probed to say what does work. Alternatives are only ever as secure
 * or more secure than the setting under test: the password never goes out unencrypted
 * because of a probe.
 */
export async function probeSmtp(t: SmtpTarget, o: ProbeOptions): Promise<ProbeReport> {
  const stopAfter = o.stopAfter ?? (o.send ? "data" : "rcpt");
  const runner = new StageRunner(stopAfter, (stage) => (stage === "data" && !o.send ? "not run: no mail is sent without --send" : undefined), usedSettings(t, o));
  const report: ProbeReport = { stages: runner.results, findings: [], sent: false };
  const session = openSession(t, o, report);
  try {
    for (const [stage, body] of smtpStages(t.security)) await runner.run(stage, () => body(session));
  } finally {
    await hangUp(session, runner.failed);
  }
  if (runner.failure) report.failure = await explainFailure(runner.failure, t, o, report);
  return report;
}

/** The settings under test as the failure model reads them. */
function usedSettings(t: SmtpTarget, o: ProbeOptions): UsedSettings {
  return {
    type: "webmail",
    host: t.host,
    port: t.port,
    security: t.security,
    auth: t.oauth ? "oauth2-microsoft" : "password",
    email: t.email,
    ...(t.username ? { username: t.username } : {}),
    ...(o.ca ? { ca: true } : {}),
  };
}

/** The failure in the failure model's words, after probing the alternatives (unless turned off). */
async function explainFailure(f: StageRunnerFailure, t: SmtpTarget, o: ProbeOptions, report: ProbeReport): Promise<FailureReport> {
  let c = f.classification;
  if (o.alternatives !== false) {
    const found = await explore({ stage: f.stage, c, t, report, trial: trialOf(t, o) });
    report.findings.push(...found.findings);
    // What the probes found are facts too: the failure model decides again with them.
    if (found.facts) c = classify({ facts: { ...f.facts, ...found.facts }, text: f.text });
  }
  return failureReport(f.stage, c, f.evidence);
}

/** Runs the same probe with other settings, up to AUTH, marked as a probe in the transcript. */
function trialOf(t: SmtpTarget, o: ProbeOptions): Trial {
  const shorter = Math.min(o.timeoutMs, 5000);
  return (change, label, stopAfter = "auth") =>
    o.transcript.section(label, () => probeSmtp({ ...t, ...change }, { ...o, timeoutMs: shorter, stopAfter, send: false, alternatives: false }));
}
