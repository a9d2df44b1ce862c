import type { Security } from "../config/types.js";
import type { Capabilities } from "./smtp-wire.js";
import type { FailureReport, StageName, StageResult } from "./stages.js";
import type { TlsFacts } from "./tls-facts.js";
import type { Transcript } from "./transcript.js";

// The shapes of an SMTP probe, apart from the code, so that the stages and the
// exploration of alternatives can use them without importing the probe that runs them.

/** The SMTP settings under test. The password is used for AUTH and masked everywhere else. */
export interface SmtpTarget {
  host: string;
  port: number;
  security: Security;
  email: string;
  username?: string;
  password?: string;
  /** RCPT TO; the profile's own address when unset. */
  to?: string;
  /** An OAuth profile: its XOAUTH2 login is not probed here. */
  oauth?: boolean;
  /** The name the certificate is checked against, when the host is an IP address. */
  servername?: string;
}

export interface ProbeOptions {
  timeoutMs: number;
  ca?: string[];
  /** Stop after this stage; by default after RCPT TO (no mail is sent). */
  stopAfter?: StageName;
  /** Send DATA (a short test message). */
  send: boolean;
  transcript: Transcript;
  now: () => Date;
  dnsServers?: string[];
  /** Probe other settings when a stage fails, to say what does work (default true). */
  alternatives?: boolean;
  /** The name given in EHLO. */
  ehloName?: string;
}

export interface ProbeReport {
  stages: StageResult[];
  failure?: FailureReport;
  /** What probing other settings found: what does work, or what does not either. */
  findings: string[];
  sent: boolean;
  tls?: TlsFacts;
  capabilities?: Capabilities;
  capabilitiesAfterTls?: Capabilities;
  greeting?: string;
}

/** The same probe run again with some settings changed, up to `stopAfter` (default AUTH). */
export type Trial = (change: Partial<SmtpTarget>, label: string, stopAfter?: StageName) => Promise<ProbeReport>;
