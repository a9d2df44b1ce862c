import { isIP } from "node:net";
import type { Security } from "../config/types.js";
import type { FailureFacts } from "../failures/facts.js";
import type { Verdict } from "../failures/verdict.js";
import { didYouMean } from "./dns-facts.js";
import type { ProbeReport, SmtpTarget, Trial } from "./smtp-probe-types.js";
import { firstLine, type StageName } from "./stages.js";

export interface Exploration {
  findings: string[];
  /** What the probes learnt about the server, for the failure model. */
  facts?: Pick<FailureFacts, "implicitTls" | "works">;
}

/** A failed probe as an explorer sees it; `trial` probes again with other settings. */
interface Failed {
  stage: StageName;
  c: Verdict;
  t: SmtpTarget;
  report: ProbeReport;
  trial: Trial;
}

/** One common mismatch: when it applies, and how to find out what does work. */
interface Explorer {
  when: (f: Failed) => boolean;
  explore: (f: Failed) => Promise<Exploration>;
}

/** The mismatches in the order they are tried; the first that applies decides. */
const EXPLORERS: Explorer[] = [
  // A certificate the client refuses: say what it is for, who issued it, when it ended.
  { when: ({ stage, report }) => stage === "tls" && !!report.tls?.problem, explore: async (f) => describeRefusedCertificate(f) },
  // Implicit TLS on a port that speaks plain text first.
  { when: ({ stage, t }) => stage === "tls" && t.security === "tls", explore: tryStarttlsInstead },
  // No greeting in plain text: maybe the port expects implicit TLS (465).
  { when: ({ stage, t, c }) => stage === "greeting" && t.security !== "tls" && c.rowId === "greeting-timeout", explore: tryImplicitTlsForGreeting },
  // STARTTLS chosen but not offered: implicit TLS on this port, or on 465.
  {
    when: ({ stage, t, report }) => stage === "tls" && t.security === "starttls" && !!report.capabilities && !report.capabilities.starttls,
    explore: tryImplicitTlsPorts,
  },
  // Login refused because the connection is not encrypted, or AUTH hidden before TLS.
  {
    when: ({ stage, t, c }) => stage === "auth" && t.security === "none" && (c.rowId === "starttls-required" || c.rowId === "auth-not-offered" || /STARTTLS/i.test(c.cause)),
    explore: tryStarttlsForAuth,
  },
  // Nothing answers: try the usual submission ports.
  { when: ({ stage, c }) => stage === "tcp" && (c.rowId === "connection-refused" || c.rowId === "timeout" || c.rowId === "host-unreachable"), explore: tryUsualPorts },
  { when: ({ stage }) => stage === "dns", explore: async (f) => suggestHostName(f) },
];

/** For the common mismatches, probes the alternatives and says what does work. */
export async function explore(f: Failed): Promise<Exploration> {
  const explorer = EXPLORERS.find((e) => e.when(f));
  return explorer ? explorer.explore(f) : { findings: [] };
}

function describeRefusedCertificate({ t, report }: Failed): Exploration {
  const facts = report.tls;
  const findings: string[] = [];
  if (!facts) return { findings };
  if (!facts.nameMatches) {
    const dnsNames = facts.names.filter((n) => isIP(n) === 0);
    findings.push(`the certificate is for ${facts.names.join(", ") || facts.subject}, not ${t.host}` + (dnsNames[0] ? `: set the host to ${dnsNames[0]}` : ""));
  }
  if (facts.daysLeft < 0) findings.push(`the certificate expired on ${facts.validTo} (${-facts.daysLeft} days ago): the server's administrator must renew it`);
  if (!facts.trusted && facts.daysLeft >= 0) {
    findings.push(`the certificate was issued by ${facts.issuer || "an unknown issuer"}, which this computer does not trust: if that is your organisation's own CA, pass its certificate with --ca <file>`);
  }
  return { findings };
}

async function tryStarttlsInstead({ t, trial }: Failed): Promise<Exploration> {
  const port = t.port;
  const r = await trial({ security: "starttls" }, `port ${port} in plain text with STARTTLS`);
  if (greeted(r) && r.capabilities?.starttls) {
    return {
      findings: [`port ${port} answers in plain text and offers STARTTLS; you chose implicit TLS: set security to starttls` + trialOutcome(r, "--security starttls")],
      facts: { works: { port, security: "starttls" } },
    };
  }
  if (greeted(r)) {
    return { findings: [`port ${port} answers in plain text and offers no STARTTLS; you chose implicit TLS: this port has no encryption; use port 587 with starttls or 465 with tls`] };
  }
  return { findings: [`port ${port} answers neither a TLS handshake nor with a plain SMTP greeting: check the host and port`] };
}

async function tryImplicitTlsForGreeting({ t, trial }: Failed): Promise<Exploration> {
  const port = t.port;
  const r = await trial({ security: "tls" }, `port ${port} with implicit TLS`);
  if (greeted(r)) {
    return {
      findings: [`port ${port} expects implicit TLS: it completed a TLS handshake and greeted (${firstLine(r.greeting ?? "")}); you chose ${securityName(t.security)}: set security to tls` + trialOutcome(r, "--security tls")],
      facts: { implicitTls: true },
    };
  }
  return { findings: [`port ${port} accepts connections but sends no SMTP greeting, in plain text or over TLS: it may not be a mail server, or it is overloaded`] };
}

async function tryImplicitTlsPorts({ t, trial }: Failed): Promise<Exploration> {
  const ports = t.port === 465 ? [465] : [t.port, 465];
  for (const p of ports) {
    const r = await trial({ security: "tls", port: p }, `port ${p} with implicit TLS`);
    if (greeted(r)) {
      return {
        findings: [`port ${p} accepts implicit TLS and greets; set --port ${p} --security tls` + trialOutcome(r, `--port ${p} --security tls`)],
        facts: { works: { port: p, security: "tls" } },
      };
    }
  }
  return { findings: [`the server offers no STARTTLS on port ${t.port} and no implicit TLS on ${ports.join(" or ")}: it cannot protect the password; ask the provider for its submission port`] };
}

async function tryStarttlsForAuth({ t, trial }: Failed): Promise<Exploration> {
  const r = await trial({ security: "starttls" }, `port ${t.port} with STARTTLS`);
  const authAfterTls = r.capabilitiesAfterTls?.auth ?? [];
  if (authAfterTls.length === 0) return { findings: [] };
  return {
    findings: [`the server offers AUTH only after STARTTLS; you chose no encryption: set security to starttls` + trialOutcome(r, "--security starttls")],
    facts: { works: { port: t.port, security: "starttls" } },
  };
}

/** The usual submission ports other than the one set; only up to EHLO, to see who answers. */
async function tryUsualPorts({ t, trial }: Failed): Promise<Exploration> {
  const findings: string[] = [];
  const usual: Array<{ port: number; security: Security }> = [
    { port: 587, security: "starttls" },
    { port: 465, security: "tls" },
  ];
  const alternatives = usual.filter((a) => a.port !== t.port);
  for (const alt of alternatives) {
    const r = await trial(alt, `port ${alt.port} with ${securityName(alt.security)}`, "ehlo");
    if (greeted(r)) {
      const offers = alt.security === "starttls" ? (r.capabilities?.starttls ? " and offers STARTTLS" : " (without STARTTLS)") : " with implicit TLS";
      findings.push(`port ${alt.port} answers${offers}: use --port ${alt.port} --security ${alt.security}`);
    }
  }
  if (findings.length === 0 && alternatives.length > 0) findings.push(`ports ${alternatives.map((a) => a.port).join(" and ")} do not answer either: check the host name and any firewall`);
  return { findings };
}

function suggestHostName({ t }: Failed): Exploration {
  const guess = didYouMean(t.host);
  return { findings: guess ? [`${t.host} does not resolve; did you mean ${guess}?`] : [] };
}

function greeted(r: ProbeReport): boolean {
  return r.stages.find((s) => s.stage === "greeting")?.status === "passed";
}

function securityName(s: Security): string {
  return s === "tls" ? "implicit TLS" : s === "starttls" ? "STARTTLS" : "no encryption";
}

/** How far a trial got, in words: "the login succeeds", "it then fails at auth: 535 ...". */
function trialOutcome(r: ProbeReport, setting: string): string {
  if (!r.failure) {
    const auth = r.stages.find((s) => s.stage === "auth");
    if (auth?.status === "passed") return `; with ${setting} the login succeeds`;
    return `; with ${setting} the connection works up to ${r.stages.filter((s) => s.status === "passed").pop()?.stage ?? "the start"}`;
  }
  return `; with ${setting} it then fails at ${r.failure.stage}: ${firstLine(r.failure.evidence)}`;
}
