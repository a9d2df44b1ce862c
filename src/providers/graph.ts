import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { WebmailSettings } from "../config/types.js";
import { UsageError, isMailError } from "../errors.js";
import { redact } from "../diagnosis/redact.js";
import type { Access, SecretLock, SecretRotated } from "../oauth/access-tokens.js";
import { microsoftTokens } from "./microsoft-tokens.js";
import { graphOrigin, hasScope } from "../oauth/microsoft.js";
import { graphFailure, needsReadWrite, retryAfterSeconds, type GraphOp } from "./graph-errors.js";
import { composeMime } from "./mime.js";
import type { Attachment, ConnectOptions, Evidence, MailProvider, OutgoingMail, Sent } from "./types.js";

/**
 * Graph rejects a request body over 4 MB. sendMail carries the whole MIME message
 * base64-encoded, so a message goes in one request only while its base64 form stays
 * under this (with room for the request's own headers).
 */
export const GRAPH_REQUEST_LIMIT = 4_000_000 - 64 * 1024; // "4 MB" read the strict way: decimal
/** Attachments from 3 MB go through an upload session (Graph's own guidance); smaller ones in one POST. */
export const UPLOAD_SESSION_FROM = 3 * 1024 * 1024;
/** The largest attachment an upload session takes. */
export const UPLOAD_SESSION_MAX = 150 * 1024 * 1024;
/** Chunk size: at most 4 MB per PUT, a multiple of 320 KiB as Microsoft recommends. */
export const UPLOAD_CHUNK = 12 * 320 * 1024;
/** Graph's limit of concurrent requests per mailbox. */
export const MAILBOX_CONCURRENCY = 4;

/**
 * Microsoft 365 through Microsoft Graph: the message is composed as for SMTP (same
 * Message-ID, headers, attachments) and sent as MIME with POST /me/sendMail. A message
 * over the request limit becomes a draft (POST /me/messages, MIME without the large
 * attachments), the attachments are added (upload sessions in chunks for the large
 * ones), and the draft is sent. Access tokens come from the saved refresh token;
 * rotated refresh tokens are handed to `onSecretRotated` at once.
 */
export function createGraphProvider(
  s: WebmailSettings,
  secret: string | undefined,
  o: ConnectOptions,
  env: NodeJS.ProcessEnv,
  onSecretRotated?: SecretRotated,
  secretLock?: SecretLock,
): MailProvider {
  const { tokens, log, tokenUrl } = microsoftTokens(s, secret, o, env, "graph", onSecretRotated, secretLock);
  const origin = graphOrigin(env);
  const masked = () => tokens.secrets();
  const slots = mailboxSlots(s.email);

  const token = async (force: boolean): Promise<Access> => {
    try {
      return await tokens.get(force);
    } catch (err) {
      if (isMailError(err)) {
        // The evidence reads "refresh: invalid_grant: AADSTS50173: ..." (see oauth/errors.ts).
        const evidence = err.details.evidence ?? "";
        const aadsts = /AADSTS(\d+)/.exec(evidence)?.[1];
        const oauthError = /^[a-z-]+: ([a-z_]+)/.exec(evidence)?.[1];
        err.details.facts ??= {
          stage: "token",
          ...(oauthError ? { oauthError } : {}),
          ...(aadsts ? { aadsts: Number(aadsts) } : {}),
          settings: { type: "webmail", auth: "oauth2-microsoft", email: s.email, url: tokenUrl },
        };
      }
      throw err;
    }
  };

  interface Call {
    op: GraphOp;
    method: string;
    /** A path under the origin, or a full URL (an upload session's pre-authenticated URL). */
    path: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    /** The upload URL carries its own authorisation: no bearer token is sent to it. */
    bearer?: boolean;
    /** This request sends the message: no answer after writing it means it may have gone. */
    sends?: boolean;
  }

  /** One Graph request within the mailbox's 4 slots; a 401 on a cached token refreshes it and tries once more. */
  const call = async (c: Call): Promise<Response> => {
    const url = c.path.startsWith("http") ? c.path : `${origin}${c.path}`;
    const shown = c.bearer === false ? `${new URL(url).origin}/(upload URL)` : url;
    let t = c.bearer === false ? undefined : await token(false);
    for (;;) {
      log(`${c.method} ${shown}${c.body ? ` (${c.body.length} bytes)` : ""}`);
      let res: Response;
      try {
        res = await slots.run(() =>
          fetch(url, {
            method: c.method,
            headers: { ...c.headers, ...(t ? { authorization: `Bearer ${t.accessToken}` } : {}) },
            ...(c.body !== undefined ? { body: c.body } : {}),
            signal: AbortSignal.timeout(Math.max(o.timeoutMs, c.body && c.body.length > 1e6 ? 120_000 : 0)),
          }),
        );
      } catch (err) {
        const errno = errnoOf(err);
        const unsent = errno === "ECONNREFUSED" || errno === "ENOTFOUND" || errno === "EAI_AGAIN";
        throw graphFailure(
          {
            op: c.op,
            email: s.email,
            errno,
            message: redact(err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ""}` : String(err), masked()),
            url: origin,
            ...(c.sends && !unsent ? { maybeDelivered: true } : {}),
          },
          err,
        );
      }
      if (res.status === 401 && t && !t.fresh) {
        await res.body?.cancel();
        log("Microsoft Graph refused the cached access token; refreshing it and trying again");
        t = await token(true);
        continue;
      }
      if (res.ok) return res;
      const text = await res.text().catch(() => "");
      const e = parseGraphError(text);
      const retry = retryAfterSeconds(res.headers.get("retry-after"));
      log(`HTTP ${res.status}${e.code ? ` ${e.code}` : ""}`);
      throw graphFailure({
        op: c.op,
        email: s.email,
        httpStatus: res.status,
        ...(e.code ? { code: e.code } : {}),
        ...(e.message ? { message: redact(e.message, masked()) } : {}),
        ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
        url: origin,
      });
    }
  };

  const mimeRequest = (mime: Buffer) => ({ body: mime.toString("base64"), headers: { "content-type": "text/plain" } });

  /** Draft, attachments, send: for messages over the request limit (needs Mail.ReadWrite). */
  const sendLarge = async (mail: OutgoingMail, bytes: number): Promise<{ messageId: string; recipients: string[]; response: string }> => {
    const t = await token(false);
    if (t.scope && !hasScope(t.scope, "Mail.ReadWrite")) throw needsReadWrite(s.email, bytes);
    const files = await Promise.all((mail.attachments ?? []).map(loadAttachment));
    const tooBig = files.find((f) => f.content.length > UPLOAD_SESSION_MAX);
    if (tooBig) {
      throw new UsageError(`The attachment ${tooBig.filename} is ${(tooBig.content.length / 1024 / 1024).toFixed(1)} MB; Microsoft Graph takes at most 150 MB per attachment.`);
    }
    // Keep in the MIME what fits in one request, smallest first; the rest is added to the draft.
    const order = files.map((f, i) => ({ f, i })).sort((a, b) => a.f.content.length - b.f.content.length);
    const inMime = new Set<number>();
    let draft = await composeMime({ ...mail, attachments: [] }, s.email);
    for (const { f, i } of order) {
      if (f.content.length >= UPLOAD_SESSION_FROM) break;
      const tryIt = new Set(inMime).add(i);
      const composed = await composeMime({ ...mail, attachments: files.filter((_, j) => tryIt.has(j)) }, s.email);
      if (base64Length(composed.mime.length) > GRAPH_REQUEST_LIMIT) break;
      inMime.add(i);
      draft = composed;
    }
    if (base64Length(draft.mime.length) > GRAPH_REQUEST_LIMIT) {
      throw new UsageError("The message text and headers alone are over Microsoft Graph's 4 MB request limit.", "Shorten the message body.");
    }
    // Keep the one Message-ID the draft was composed with (the queue's, or nodemailer's).
    const messageId = draft.messageId;
    const res = await call({ op: "createDraft", method: "POST", path: "/v1.0/me/messages", ...mimeRequest(draft.mime) });
    const created = (await res.json().catch(() => ({}))) as { id?: string };
    if (!created.id) throw graphFailure({ op: "createDraft", email: s.email, httpStatus: res.status, message: "no message id in the answer" });
    const id = encodeURIComponent(created.id);
    try {
      for (const [i, f] of files.entries()) {
        if (inMime.has(i)) continue;
        if (f.content.length >= UPLOAD_SESSION_FROM) await uploadAttachment(id, f);
        else {
          await call({
            op: "attach",
            method: "POST",
            path: `/v1.0/me/messages/${id}/attachments`,
            body: JSON.stringify({ "@odata.type": "#microsoft.graph.fileAttachment", name: f.filename, contentType: f.contentType, contentBytes: f.content.toString("base64") }),
            headers: { "content-type": "application/json" },
          });
        }
      }
    } catch (err) {
      // Nothing was sent: remove the half-made draft, so it does not linger in Drafts.
      await call({ op: "deleteDraft", method: "DELETE", path: `/v1.0/me/messages/${id}` }).catch(() => undefined);
      throw err;
    }
    await call({ op: "send", method: "POST", path: `/v1.0/me/messages/${id}/send`, body: "", headers: { "content-length": "0" }, sends: true });
    const uploaded = files.length - inMime.size;
    return {
      messageId,
      recipients: draft.recipients,
      response: `Microsoft Graph accepted it (202; draft with ${uploaded} attachment${uploaded === 1 ? "" : "s"} added separately, then sent)`,
    };
  };

  const uploadAttachment = async (id: string, f: LoadedAttachment): Promise<void> => {
    const res = await call({
      op: "createUploadSession",
      method: "POST",
      path: `/v1.0/me/messages/${id}/attachments/createUploadSession`,
      body: JSON.stringify({ AttachmentItem: { attachmentType: "file", name: f.filename, size: f.content.length, contentType: f.contentType } }),
      headers: { "content-type": "application/json" },
    });
    const session = (await res.json().catch(() => ({}))) as { uploadUrl?: string };
    if (!session.uploadUrl) throw graphFailure({ op: "createUploadSession", email: s.email, httpStatus: res.status, message: "no uploadUrl in the answer" });
    const total = f.content.length;
    for (let start = 0; start < total; start += UPLOAD_CHUNK) {
      const end = Math.min(total, start + UPLOAD_CHUNK);
      const put = await call({
        op: "upload",
        method: "PUT",
        path: session.uploadUrl,
        bearer: false,
        body: f.content.subarray(start, end),
        headers: { "content-type": "application/octet-stream", "content-range": `bytes ${start}-${end - 1}/${total}` },
      });
      await put.body?.cancel();
    }
  };

  return {
    type: "webmail",
    async verify(): Promise<Evidence> {
      log(`POST ${tokenUrl} grant_type=refresh_token`);
      const t = await token(true);
      const readWrite = hasScope(t.scope, "Mail.ReadWrite");
      return {
        summary:
          `Refreshed the Microsoft access token of ${s.email}; it may send with Microsoft Graph (Mail.Send` +
          `${readWrite ? ", Mail.ReadWrite for messages over 4 MB" : " only: messages up to about 3 MB"}).`,
        facts: { api: origin, auth: "OAuth 2 (Microsoft Graph)", scope: t.scope },
      };
    },
    async send(mail: OutgoingMail): Promise<Sent> {
      const composed = await composeMime(mail, s.email);
      const size = base64Length(composed.mime.length);
      if (size <= GRAPH_REQUEST_LIMIT) {
        await call({ op: "sendMail", method: "POST", path: "/v1.0/me/sendMail", ...mimeRequest(composed.mime), sends: true });
        log(`accepted (202), Message-ID ${composed.messageId}`);
        return { messageId: composed.messageId, accepted: composed.recipients, rejected: [], response: "Microsoft Graph accepted it (202)" };
      }
      log(`the message is ${size} bytes in base64, over the request limit: draft, attachments, send`);
      const sent = await sendLarge({ ...mail, messageId: mail.messageId ?? composed.messageId }, size);
      return { messageId: sent.messageId, accepted: sent.recipients, rejected: [], response: sent.response };
    },
    async close() {
      // Nothing to close: each call is one HTTPS request.
    },
  };
}

interface LoadedAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

async function loadAttachment(a: Attachment): Promise<LoadedAttachment & Attachment> {
  const content = a.content !== undefined ? Buffer.from(a.content) : a.path ? await readFile(a.path) : Buffer.alloc(0);
  const filename = a.filename || (a.path ? basename(a.path) : "attachment");
  return { filename, content, contentType: a.contentType ?? "application/octet-stream" };
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

function parseGraphError(text: string): { code?: string; message?: string } {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      ...(typeof e?.code === "string" ? { code: e.code } : {}),
      ...(typeof e?.message === "string" ? { message: e.message } : {}),
    };
  } catch {
    return text ? { message: text.slice(0, 300) } : {};
  }
}

function errnoOf(err: unknown): string | undefined {
  const e = err as { name?: string; code?: unknown; cause?: { code?: unknown } };
  if (e?.name === "TimeoutError") return "ETIMEDOUT";
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return typeof e?.code === "string" ? e.code : undefined;
}

/** At most MAILBOX_CONCURRENCY requests at once per mailbox, across every provider of this process. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

const SLOTS = new Map<string, Slots>();

export function mailboxSlots(email: string): Slots {
  const key = email.toLowerCase();
  let s = SLOTS.get(key);
  if (!s) {
    s = new Slots(MAILBOX_CONCURRENCY);
    SLOTS.set(key, s);
  }
  return s;
}
