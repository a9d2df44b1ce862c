import https from "node:https";
import http from "node:http";
import { isIP } from "node:net";
import { isMailError } from "../errors.js";
import { exchangeLoginName } from "../config/exchange-fields.js";
import { recognizeProvider } from "./classify.js";
import type { Verdict } from "../failures/verdict.js";
import { lookupAddresses, needsDns } from "./dns-facts.js";
import { SmtpWire } from "./smtp-wire.js";
import { StageFailure, StageRunner, failureReport, type FailureReport, type StageName, type StageOutcome, type StageResult } from "./stages.js";
import { describeTls, handshakeError, tlsFacts, type TlsFacts } from "./tls-facts.js";
import type { Transcript } from "./transcript.js";

/** What a provider-level check proves; the provider's own verify() in practice. */
export type ProviderCheck = () => Promise<{ summary: string }>;

export interface HttpProbeOptions {
  timeoutMs: number;
  ca?: string[];
  stopAfter?: StageName;
  transcript: Transcript;
  now: () => Date;
  dnsServers?: string[];
}

export interface HttpProbeReport {
  stages: StageResult[];
  failure?: FailureReport;
  findings: string[];
  sent: false;
  tls?: TlsFacts;
}

export const EXCHANGE_STAGES: StageName[] = ["settings", "dns", "tcp", "tls", "http", "ews"];
export const GMAIL_STAGES: StageName[] = ["dns", "tcp", "tls", "api"];

/** The endpoints the Gmail stages reach; tests point them at a local server. */
export interface GmailEndpoints {
  tokenUrl: string;
}

export const GOOGLE_ENDPOINTS: GmailEndpoints = { tokenUrl: "https://oauth2.googleapis.com/token" };

/** A domain in the form company.com: labels and dots, nothing else (the product's rule). */
export function exchangeDomainProblem(domain: string): string | undefined {
  if (/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i.test(domain)) return undefined;
  if (domain.includes("\\")) return "it looks like DOMAIN\\user: put only the domain here and the user name in --username";
  if (/^[a-z]+:\/\//i.test(domain)) return "it is a URL: give only the domain";
  if (domain.includes("@")) return "it is an email address: give only the part after @";
  return "it is not a domain name";
}

/**
 * Exchange (EWS): the settings, DNS, TCP and TLS of the EWS host, the HTTP status of the
 * EWS URL with the credentials (Basic), then the provider's read-only EWS check.
 */
export async function probeExchange(
  s: { ewsUrl: string; domain: string; username: string; email: string; loginForm?: "domain" | "upn" },
  password: string | undefined,
  o: HttpProbeOptions,
  ewsCheck: ProviderCheck,
): Promise<HttpProbeReport> {
  const runner = new StageRunner(o.stopAfter);
  const report: HttpProbeReport = { stages: runner.results, findings: [], sent: false };
  const url = new URL(s.ewsUrl);
  const secure = url.protocol === "https:";
  const port = Number(url.port || (secure ? 443 : 80));
  // The same sign-in name the EWS provider sends (DOMAIN\\user by default, or the UPN).
  const login = s.username.includes("\\") ? s.username : exchangeLoginName(s);

  await runner.run("settings", async () => {
    const problem = exchangeDomainProblem(s.domain);
    if (problem) {
      throw new StageFailure(`The domain should be in the format of "company.com": "${s.domain}": ${problem}`, `domain "${s.domain}" is not in the form company.com: ${problem}`);
    }
    const warnings = secure ? [] : ["the EWS URL is plain http: the password would cross the network unencrypted"];
    return { summary: `EWS URL ${s.ewsUrl}, login ${login}`, warnings };
  });
  const connectHost = await networkStages(runner, url.hostname, port, secure, o, report);

  await runner.run("http", async () => {
    if (password === undefined) return { skipped: true, summary: "not run: no password given" };
    return httpStatus(url, connectHost, login, password, o);
  });

  await runner.run("ews", async () => providerStage(ewsCheck));

  return finish(runner, report, url.hostname);
}

/**
 * Gmail (API): DNS, TCP and TLS of Google's token endpoint, then the provider's token
 * refresh and profile call.
 */
export async function probeGmail(o: HttpProbeOptions, apiCheck: ProviderCheck, endpoints: GmailEndpoints = GOOGLE_ENDPOINTS): Promise<HttpProbeReport> {
  const runner = new StageRunner(o.stopAfter);
  const report: HttpProbeReport = { stages: runner.results, findings: [], sent: false };
  const url = new URL(endpoints.tokenUrl);
  const secure = url.protocol === "https:";
  await networkStages(runner, url.hostname, Number(url.port || (secure ? 443 : 80)), secure, o, report);
  await runner.run("api", async () => providerStage(apiCheck));
  return finish(runner, report, url.hostname);
}

/** DNS, TCP and TLS for an HTTPS service; returns the address to connect to. */
async function networkStages(runner: StageRunner, host: string, port: number, secure: boolean, o: HttpProbeOptions, report: HttpProbeReport): Promise<string> {
  let connectHost = host;
  await runner.run("dns", async () => {
    if (!needsDns(host)) return { skipped: true, summary: `not needed: ${host} is ${isIP(host) ? "an IP address" : "this computer"}` };
    const addresses = await lookupAddresses(host, { timeoutMs: o.timeoutMs, ...(o.dnsServers ? { servers: o.dnsServers } : {}) });
    if (o.dnsServers && addresses[0]) connectHost = addresses[0];
    return { summary: `${host} -> ${addresses.join(", ")}`, details: { addresses } };
  });
  let wire: SmtpWire | undefined;
  try {
    await runner.run("tcp", async () => {
      wire = await SmtpWire.connect(connectHost, port, o.timeoutMs, o.transcript);
      return { summary: `connected to ${wire.remoteAddress}` };
    });
    await runner.run("tls", async () => {
      if (!secure) return { skipped: true, summary: "not used: the URL is plain http" };
      if (!wire) throw new Error("no connection");
      let socket;
      try {
        socket = await wire.startTls(host, o.timeoutMs, { ...(isIP(host) ? {} : { servername: host }), ...(o.ca ? { ca: o.ca } : {}) });
      } catch (err) {
        const h = handshakeError(err);
        throw new StageFailure(h.text, h.summary, { evidence: h.evidence });
      }
      const facts = tlsFacts(socket, host, o.now());
      report.tls = facts;
      o.transcript.event(`TLS established: ${describeTls(facts)}`);
      const details = facts as unknown as Record<string, unknown>;
      if (facts.problem) throw new StageFailure(`${facts.problem.code}: ${facts.problem.message}`, describeTls(facts), { details });
      return { summary: describeTls(facts), details, warnings: facts.daysLeft < 14 ? [`the certificate expires in ${facts.daysLeft} days`] : [] };
    });
  } finally {
    wire?.destroy();
  }
  return connectHost;
}

/** GET the EWS URL with Basic credentials; the status and the sign-in schemes offered. */
async function httpStatus(url: URL, connectHost: string, login: string, password: string, o: HttpProbeOptions): Promise<StageOutcome> {
  const tr = o.transcript;
  const auth = "Basic " + Buffer.from(`${login}:${password}`, "utf8").toString("base64");
  tr.client(`GET ${url.pathname}${url.search} HTTP/1.1`);
  tr.client(`Host: ${url.host}`);
  tr.client("Authorization: Basic **** (user name and password, base64)");
  const res = await new Promise<{ status: number; statusText: string; challenges: string[] }>((resolve, reject) => {
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(
      {
        host: connectHost,
        port: url.port || (url.protocol === "https:" ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: { Host: url.host, Authorization: auth, "User-Agent": "mailcfg-diagnose" },
        timeout: o.timeoutMs,
        agent: false,
        ...(url.protocol === "https:"
          ? { servername: isIP(url.hostname) ? undefined : url.hostname, ...(o.ca ? { ca: o.ca } : {}) }
          : {}),
      },
      (r) => {
        r.resume();
        // Each WWW-Authenticate header on its own (Node joins repeated ones into one string).
        const challenges: string[] = [];
        for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) {
          if (r.rawHeaders[i]?.toLowerCase() === "www-authenticate") challenges.push(r.rawHeaders[i + 1] ?? "");
        }
        resolve({ status: r.statusCode ?? 0, statusText: r.statusMessage ?? "", challenges });
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error(`HTTP request timed out after ${o.timeoutMs / 1000}s`), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
  tr.server(`HTTP/1.1 ${res.status} ${res.statusText}`);
  const schemes = res.challenges.map((c) => c.split(/[\s,]/)[0] ?? c).filter(Boolean);
  for (const sc of schemes) tr.server(`WWW-Authenticate: ${sc} ...`);
  const line = `HTTP ${res.status} ${res.statusText}`.trim();
  const details = { status: res.status, schemes };
  if (res.status >= 200 && res.status < 400) return { summary: `${line}: the EWS URL answers and accepts the login ${login}`, details };
  if (res.status === 401) {
    const online = recognizeProvider(url.hostname) === "Microsoft 365";
    if (!online && schemes.length > 0 && !schemes.some((sc) => /^basic$/i.test(sc))) {
      return {
        summary: `${line}: the server does not take Basic sign-in; it offers ${schemes.join(", ")} (the EWS check signs in with those)`,
        details,
        warnings: [`Basic sign-in is not offered (${schemes.join(", ")}); the login itself is checked by the EWS stage`],
      };
    }
    throw new StageFailure(`HTTP 401 Unauthorized from ${url.href}`, `${line} for ${login} (the server offers ${schemes.join(", ") || "no sign-in scheme"})`, { details });
  }
  throw new StageFailure(`HTTP ${res.status} ${res.statusText} from ${url.href}`, `${line} from ${url.href}`, { details });
}

/** The provider's own read-only check, its failure explained like any other stage's. */
async function providerStage(check: ProviderCheck): Promise<StageOutcome> {
  try {
    const r = await check();
    return { summary: r.summary };
  } catch (err) {
    if (isMailError(err)) {
      // The provider's error already carries the failure model's verdict.
      const override: Partial<Verdict> = {
        category: err.category,
        cause: err.message,
        ...(err.hint ? { fix: [err.hint] } : {}),
        ...(err.details.transient !== undefined ? { transient: err.details.transient } : {}),
        ...(err.details.remedy ? { remedy: err.details.remedy } : {}),
      };
      throw new StageFailure([err.details.code, err.details.evidence, err.message].filter(Boolean).join("\n"), err.message, {
        override,
        evidence: err.details.evidence ?? err.message,
      });
    }
    throw err;
  }
}

function finish(runner: StageRunner, report: HttpProbeReport, host: string): HttpProbeReport {
  if (runner.failure) {
    const f = runner.failure;
    const provider = f.classification.provider ?? recognizeProvider(host);
    const c: Verdict = provider ? { ...f.classification, provider } : f.classification;
    report.failure = failureReport(f.stage, c, f.evidence);
    const facts = report.tls;
    if (f.stage === "tls" && facts?.problem) {
      if (!facts.nameMatches) report.findings.push(`the certificate is for ${facts.names.join(", ") || facts.subject}, not ${host}`);
      if (facts.daysLeft < 0) report.findings.push(`the certificate expired on ${facts.validTo} (${-facts.daysLeft} days ago)`);
      if (!facts.trusted && facts.daysLeft >= 0) report.findings.push(`the certificate was issued by ${facts.issuer || "an unknown issuer"}, which this computer does not trust: pass the CA with --ca <file> if it is your own`);
    }
  }
  return report;
}
