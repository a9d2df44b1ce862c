import type { ServiceType } from "../config/types.js";

export interface Attachment {
  filename: string;
  path?: string;
  content?: Buffer | string;
  contentType?: string;
}

export interface OutgoingMail {
  /** Defaults to the profile's address. */
  from?: string;
  /** The display name shown with the From address (the profile's --name). */
  fromName?: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: Attachment[];
  /** Fixed up front by the queue so a resend after a crash is recognisable. */
  messageId?: string;
  headers?: Record<string, string>;
}

export interface Sent {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's final reply (SMTP) or a summary of the API's answer. */
  response: string;
}

/** What a successful verify() proved, in words, for the user and for --json. */
export interface Evidence {
  summary: string;
  facts: Record<string, string>;
}

export interface MailProvider {
  readonly type: ServiceType;
  /** Connect and authenticate; send nothing. */
  verify(): Promise<Evidence>;
  send(mail: OutgoingMail, hooks?: SendHooks): Promise<Sent>;
  /**
   * HTTP senders: whether the sender's mailbox holds a message with this Message-ID,
   * asked before an entry that may have been delivered is sent again.
   */
  findSent?(messageId: string): Promise<DeliveryCheck>;
  close(): Promise<void>;
}

export interface SendHooks {
  /**
   * Runs when the message itself is about to go (SMTP: the server accepted DATA; before
   * the body and its final "."; HTTP: before the request): from then on a lost
   * connection may still mean a delivered message.
   */
  beforeBody?: () => Promise<void> | void;
}

/** found: the message is there (or not); unknown: it cannot be told, and why. */
export type DeliveryCheck = { found: boolean } | { unknown: string };

/** How a provider connects: timeouts and extra trusted CAs, never secrets. */
export interface ConnectOptions {
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), from --ca and NODE_EXTRA_CA_CERTS. */
  ca?: string[];
  /** Reuse connections across send() calls (queue runs). */
  pool?: boolean;
  /** With pool: at most this many connections at once (nodemailer's default is 5). */
  maxConnections?: number;
  /** Receives every protocol line, secrets already masked, for transcripts. */
  onLog?: (line: string) => void;
  /**
   * verify() comes first (a validation): a Webmail provider opens its connection while
   * its code loads, and logs in over it (see early-connection.ts).
   */
  connectEarly?: boolean;
}
