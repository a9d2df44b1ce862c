/**
 * A message over Graph's request limit: it becomes a draft (POST /me/messages, MIME
 * without the large attachments), the attachments are added (upload sessions in chunks
 * for the large ones), and the draft is sent. Needs Mail.ReadWrite.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { UsageError } from "../errors.js";
import { hasScope } from "../oauth/microsoft.js";
import { graphFailure, needsReadWrite } from "./graph-errors.js";
import type { GraphClient } from "./graph-client.js";
import { composeMime } from "./mime.js";
import type { Attachment, OutgoingMail } from "./types.js";

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

export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** A MIME message as Graph takes it in a request body. */
export function mimeRequest(mime: Buffer): { body: string; headers: Record<string, string> } {
  return { body: mime.toString("base64"), headers: { "content-type": "text/plain" } };
}

interface LoadedAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

/** Draft, attachments, send: for messages over the request limit (needs Mail.ReadWrite). */
export async function sendLarge(
  client: GraphClient,
  mail: OutgoingMail,
  bytes: number,
): Promise<{ messageId: string; recipients: string[]; response: string }> {
  const t = await client.token(false);
  if (t.scope && !hasScope(t.scope, "Mail.ReadWrite")) throw needsReadWrite(client.email, bytes);
  const files = await loadAttachments(mail);
  const { draft, inMime } = await composeDraft(mail, files, client.email);
  // Keep the one Message-ID the draft was composed with (the queue's, or nodemailer's).
  const messageId = draft.messageId;
  const res = await client.call({ op: "createDraft", method: "POST", path: "/v1.0/me/messages", ...mimeRequest(draft.mime) });
  const created = (await res.json().catch(() => ({}))) as { id?: string };
  if (!created.id) throw graphFailure({ op: "createDraft", email: client.email, httpStatus: res.status, message: "no message id in the answer" });
  const id = encodeURIComponent(created.id);
  await addAttachments(client, id, files, inMime);
  await client.call({ op: "send", method: "POST", path: `/v1.0/me/messages/${id}/send`, body: "", headers: { "content-length": "0" }, sends: true });
  const uploaded = files.length - inMime.size;
  return {
    messageId,
    recipients: draft.recipients,
    response: `Microsoft Graph accepted it (202; draft with ${uploaded} attachment${uploaded === 1 ? "" : "s"} added separately, then sent)`,
  };
}

async function loadAttachments(mail: OutgoingMail): Promise<LoadedAttachment[]> {
  const files = await Promise.all((mail.attachments ?? []).map(loadAttachment));
  const tooBig = files.find((f) => f.content.length > UPLOAD_SESSION_MAX);
  if (tooBig) {
    throw new UsageError(`The attachment ${tooBig.filename} is ${(tooBig.content.length / 1024 / 1024).toFixed(1)} MB; Microsoft Graph takes at most 150 MB per attachment.`);
  }
  return files;
}

async function loadAttachment(a: Attachment): Promise<LoadedAttachment> {
  const content = a.content !== undefined ? Buffer.from(a.content) : a.path ? await readFile(a.path) : Buffer.alloc(0);
  const filename = a.filename || (a.path ? basename(a.path) : "attachment");
  return { filename, content, contentType: a.contentType ?? "application/octet-stream" };
}

/** The draft's MIME: what fits in one request, smallest attachments first; `inMime` says which went in. */
async function composeDraft(mail: OutgoingMail, files: LoadedAttachment[], account: string) {
  const order = files.map((f, i) => ({ f, i })).sort((a, b) => a.f.content.length - b.f.content.length);
  const inMime = new Set<number>();
  let draft = await composeMime({ ...mail, attachments: [] }, account);
  for (const { f, i } of order) {
    if (f.content.length >= UPLOAD_SESSION_FROM) break;
    const tryIt = new Set(inMime).add(i);
    const composed = await composeMime({ ...mail, attachments: files.filter((_, j) => tryIt.has(j)) }, account);
    if (base64Length(composed.mime.length) > GRAPH_REQUEST_LIMIT) break;
    inMime.add(i);
    draft = composed;
  }
  if (base64Length(draft.mime.length) > GRAPH_REQUEST_LIMIT) {
    throw new UsageError("The message text and headers alone are over Microsoft Graph's 4 MB request limit.", "Shorten the message body.");
  }
  return { draft, inMime };
}

/** The attachments left out of the draft's MIME, added to draft `id`; on a failure the draft is removed. */
async function addAttachments(client: GraphClient, id: string, files: LoadedAttachment[], inMime: Set<number>): Promise<void> {
  try {
    for (const [i, f] of files.entries()) {
      if (inMime.has(i)) continue;
      if (f.content.length >= UPLOAD_SESSION_FROM) await uploadAttachment(client, id, f);
      else {
        await client.call({
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
    await client.call({ op: "deleteDraft", method: "DELETE", path: `/v1.0/me/messages/${id}` }).catch(() => undefined);
    throw err;
  }
}

/** A large attachment through an upload session: PUTs of UPLOAD_CHUNK bytes to its own URL. */
async function uploadAttachment(client: GraphClient, id: string, f: LoadedAttachment): Promise<void> {
  const res = await client.call({
    op: "createUploadSession",
    method: "POST",
    path: `/v1.0/me/messages/${id}/attachments/createUploadSession`,
    body: JSON.stringify({ AttachmentItem: { attachmentType: "file", name: f.filename, size: f.content.length, contentType: f.contentType } }),
    headers: { "content-type": "application/json" },
  });
  const session = (await res.json().catch(() => ({}))) as { uploadUrl?: string };
  if (!session.uploadUrl) throw graphFailure({ op: "createUploadSession", email: client.email, httpStatus: res.status, message: "no uploadUrl in the answer" });
  const total = f.content.length;
  for (let start = 0; start < total; start += UPLOAD_CHUNK) {
    const end = Math.min(total, start + UPLOAD_CHUNK);
    const put = await client.call({
      op: "upload",
      method: "PUT",
      path: session.uploadUrl,
      bearer: false,
      body: f.content.subarray(start, end),
      headers: { "content-type": "application/octet-stream", "content-range": `bytes ${start}-${end - 1}/${total}` },
    });
    await put.body?.cancel();
  }
}
