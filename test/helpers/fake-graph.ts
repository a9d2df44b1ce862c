import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { json } from "./http-replies.js";
import { GRAPH_READWRITE, GRAPH_SEND, type FakeMicrosoft } from "./fake-microsoft.js";

/**
 * A local stand-in for Microsoft Graph's mail API on 127.0.0.1, speaking its real shapes:
 *
 * - POST /v1.0/me/sendMail, body the base64 MIME message, Content-Type text/plain: 202, no body.
 * - POST /v1.0/me/messages (MIME as above): a draft, 201 {id, internetMessageId}.
 * - POST /v1.0/me/messages/{id}/attachments (fileAttachment JSON): 201.
 * - POST /v1.0/me/messages/{id}/attachments/createUploadSession {AttachmentItem}: 201 {uploadUrl,...};
 *   PUT uploadUrl with Content-Range, at most 4 MB a chunk, no Authorization header:
 *   200 {nextExpectedRanges} until the last, 201 with Location.
 * - POST /v1.0/me/messages/{id}/send: 202.  DELETE /v1.0/me/messages/{id}: 204.
 * - Bearer tokens are checked against the fake identity platform: Mail.Send for sendMail,
 *   Mail.ReadWrite for drafts; a request body over 4 MB is 413; errors on demand with
 *   Graph's {"error": {"code", "message"}} and Retry-After.
 */

export const GRAPH_BODY_LIMIT = 4 * 1024 * 1024;

export interface GraphRequest {
  method: string;
  path: string;
  contentType?: string;
  authorization?: string;
  bytes: number;
  contentRange?: string;
}

export interface GraphMessage {
  /** The MIME message as it arrived (base64-decoded). */
  mime: Buffer;
  /** The request body exactly as it came (base64 text). */
  body: string;
  user: string;
  via: "sendMail" | "draft";
  /** Attachments added to the draft (POST or upload session), in order. */
  attachments: Array<{ name: string; content: Buffer; via: "post" | "upload-session" }>;
}

export interface GraphFailure {
  status: number;
  code?: string;
  message?: string;
  retryAfter?: string;
  /** Close the connection without answering (after reading the request). */
  hangUp?: boolean;
}

interface Draft {
  id: string;
  user: string;
  mime: Buffer;
  body: string;
  attachments: GraphMessage["attachments"];
}

interface Session {
  draft: Draft;
  name: string;
  size: number;
  received: Buffer[];
  next: number;
}

export interface FakeGraph {
  readonly origin: string;
  env(): Record<string, string>;
  readonly requests: GraphRequest[];
  /** Messages sent (sendMail, or a draft's /send). */
  readonly sent: GraphMessage[];
  readonly drafts: Map<string, Draft>;
  readonly uploadSessions: Array<{ name: string; size: number; attachmentType: string; chunks: Array<{ range: string; bytes: number }> }>;
  /** The next request whose "METHOD path" matches answers with this (times: how many). */
  failNext(match: RegExp, f: GraphFailure, times?: number): void;
  /** Each request waits this long before answering (to see concurrency). */
  delayMs: number;
  /** The most requests that were in flight at once. */
  peakInFlight: number;
  close(): Promise<void>;
}

export async function startFakeGraph(ms: FakeMicrosoft): Promise<FakeGraph> {
  const drafts = new Map<string, Draft>();
  const sessions = new Map<string, Session>();
  const failures: Array<{ match: RegExp; f: GraphFailure; times: number }> = [];
  let inFlight = 0;

  const graphError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify({ error: { code, message, innerError: { date: "2026-12-06T00:00:00", "request-id": randomBytes(8).toString("hex") } } }));
  };

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    fake.peakInFlight = Math.max(fake.peakInFlight, inFlight);
    res.on("close", () => (inFlight -= 1));
    void handle(req, res).catch((err: unknown) => graphError(res, 500, "InternalServerError", String(err)));
  });

  function readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", fake.origin);
    const raw = await readBody(req);
    if (fake.delayMs > 0) await new Promise((r) => setTimeout(r, fake.delayMs));
    const r: GraphRequest = { method: req.method ?? "", path: url.pathname, bytes: raw.length };
    if (req.headers["content-type"]) r.contentType = req.headers["content-type"];
    if (req.headers.authorization) r.authorization = req.headers.authorization;
    if (req.headers["content-range"]) r.contentRange = req.headers["content-range"];
    fake.requests.push(r);

    const label = `${r.method} ${r.path}`;
    const failure = failures.find((x) => x.match.test(label));
    if (failure) {
      if (--failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
      if (failure.f.hangUp) {
        req.socket.destroy();
        return;
      }
      return graphError(res, failure.f.status, failure.f.code ?? "ErrorInternalServerError", failure.f.message ?? "failure on demand", failure.f.retryAfter ? { "retry-after": failure.f.retryAfter } : {});
    }

    // Upload session chunks: pre-authenticated URL, no bearer token.
    const up = /^\/upload\/([0-9a-f]+)$/.exec(url.pathname);
    if (up && req.method === "PUT") return uploadChunk(up[1] ?? "", req, raw, res);

    if (!url.pathname.startsWith("/v1.0/me/")) return graphError(res, 404, "ResourceNotFound", `Resource not found for the segment '${url.pathname}'.`);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const access = token ? ms.accessToken(token) : undefined;
    if (!access) return graphError(res, 401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.");
    const scopes = access.scope.split(" ");
    if (raw.length > GRAPH_BODY_LIMIT) return graphError(res, 413, "RequestBodyTooLarge", "The maximum request length supported is 4MB.");
    const needs = (scope: string) => scopes.includes(scope);

    if (req.method === "POST" && url.pathname === "/v1.0/me/sendMail") {
      if (!needs(GRAPH_SEND)) return graphError(res, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
      const mime = mimeOf(req, raw);
      if (!mime) return graphError(res, 400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.");
      fake.sent.push({ mime, body: raw.toString("latin1"), user: access.user, via: "sendMail", attachments: [] });
      res.writeHead(202);
      res.end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/v1.0/me/messages") {
      if (!needs(GRAPH_READWRITE)) return graphError(res, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
      const mime = mimeOf(req, raw);
      if (!mime) return graphError(res, 400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.");
      const id = `AAMkAGI2-fake-${randomBytes(8).toString("hex")}`;
      drafts.set(id, { id, user: access.user, mime, body: raw.toString("latin1"), attachments: [] });
      const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(mime.toString("latin1"))?.[1];
      return json(res, 201, { id, isDraft: true, internetMessageId: messageId });
    }
    const m = /^\/v1\.0\/me\/messages\/([^/]+)(?:\/(attachments(?:\/createUploadSession)?|send))?$/.exec(url.pathname);
    const draft = m ? drafts.get(decodeURIComponent(m[1] ?? "")) : undefined;
    if (!m || !draft) return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
    if (!needs(GRAPH_READWRITE)) return graphError(res, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    const action = m[2];
    if (req.method === "DELETE" && !action) {
      drafts.delete(draft.id);
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === "POST" && action === "attachments") {
      const a = JSON.parse(raw.toString("utf8")) as { "@odata.type"?: string; name?: string; contentBytes?: string };
      if (a["@odata.type"] !== "#microsoft.graph.fileAttachment" || !a.name || !a.contentBytes) return graphError(res, 400, "ErrorInvalidRequest", "bad attachment");
      draft.attachments.push({ name: a.name, content: Buffer.from(a.contentBytes, "base64"), via: "post" });
      return json(res, 201, { id: `att-${randomBytes(4).toString("hex")}`, name: a.name });
    }
    if (req.method === "POST" && action === "attachments/createUploadSession") {
      const item = (JSON.parse(raw.toString("utf8")) as { AttachmentItem?: { attachmentType?: string; name?: string; size?: number } }).AttachmentItem;
      if (!item?.name || typeof item.size !== "number" || item.attachmentType !== "file") {
        return graphError(res, 400, "ErrorInvalidRequest", "AttachmentItem needs attachmentType file, name and size.");
      }
      if (item.size > 150 * 1024 * 1024) return graphError(res, 413, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize", "too large");
      const sid = randomBytes(12).toString("hex");
      sessions.set(sid, { draft, name: item.name, size: item.size, received: [], next: 0 });
      fake.uploadSessions.push({ name: item.name, size: item.size, attachmentType: item.attachmentType, chunks: [] });
      return json(res, 201, {
        "@odata.context": `${fake.origin}/v1.0/$metadata#microsoft.graph.uploadSession`,
        uploadUrl: `${fake.origin}/upload/${sid}`,
        expirationDateTime: new Date(Date.now() + 6 * 3600_000).toISOString(),
        nextExpectedRanges: ["0-"],
      });
    }
    if (req.method === "POST" && action === "send") {
      drafts.delete(draft.id);
      fake.sent.push({ mime: draft.mime, body: draft.body, user: draft.user, via: "draft", attachments: draft.attachments });
      res.writeHead(202);
      res.end();
      return;
    }
    graphError(res, 405, "ErrorInvalidRequest", `${label} is not supported here.`);
  }

  function uploadChunk(sid: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const s = sessions.get(sid);
    if (!s) return graphError(res, 404, "ErrorItemNotFound", "The upload session was not found.");
    // The upload URL is pre-authenticated; a bearer token with it is refused.
    if (req.headers.authorization) return graphError(res, 401, "InvalidAuthenticationToken", "Do not send an Authorization header to the upload URL.");
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers["content-range"] ?? "");
    if (!range) return graphError(res, 400, "InvalidContentRange", "Content-Range is missing or malformed.");
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (total !== s.size || start !== s.next || end - start + 1 !== raw.length) return graphError(res, 416, "InvalidRange", `Expected bytes from ${s.next}.`);
    if (raw.length > GRAPH_BODY_LIMIT) return graphError(res, 413, "RequestBodyTooLarge", "A chunk may be at most 4 MB.");
    s.received.push(raw);
    s.next = end + 1;
    fake.uploadSessions.find((u) => u.name === s.name && u.size === s.size)?.chunks.push({ range: req.headers["content-range"] ?? "", bytes: raw.length });
    if (s.next < s.size) return json(res, 200, { expirationDateTime: new Date(Date.now() + 6 * 3600_000).toISOString(), nextExpectedRanges: [`${s.next}-`] });
    s.draft.attachments.push({ name: s.name, content: Buffer.concat(s.received), via: "upload-session" });
    sessions.delete(sid);
    res.writeHead(201, { location: `${fake.origin}/v1.0/me/messages('${s.draft.id}')/attachments('att-${sid.slice(0, 8)}')` });
    res.end();
  }

  /** The MIME of a text/plain request: base64 text that decodes (and re-encodes) exactly. */
  function mimeOf(req: IncomingMessage, raw: Buffer): Buffer | undefined {
    if (!/^text\/plain/i.test(req.headers["content-type"] ?? "")) return undefined;
    const text = raw.toString("latin1");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
    const mime = Buffer.from(text, "base64");
    return mime.toString("base64") === text ? mime : undefined;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeGraph = {
    origin,
    env: () => ({ MAILCFG_GRAPH_URL: `${origin}/ignored/path` }),
    requests: [],
    sent: [],
    drafts,
    uploadSessions: [],
    failNext(match, f, times = 1) {
      failures.push({ match, f, times });
    },
    delayMs: 0,
    peakInFlight: 0,
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return fake;
}
