/** A small MIME reader for tests: headers, multipart trees, base64 and quoted-printable. */
export interface MimePart {
  headers: Map<string, string>;
  body: Buffer;
  parts: MimePart[];
}

function splitHead(raw: Buffer): { head: string; body: Buffer } {
  const text = raw.toString("latin1");
  const at = text.indexOf("\r\n\r\n");
  if (at < 0) return { head: text, body: Buffer.alloc(0) };
  return { head: text.slice(0, at), body: raw.subarray(at + 4) };
}

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  const e = (encoding ?? "7bit").toLowerCase();
  if (e === "base64") return Buffer.from(body.toString("latin1").replace(/\s+/g, ""), "base64");
  if (e === "quoted-printable") {
    const text = body.toString("latin1").replace(/=\r\n/g, "");
    const bytes: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "=" && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(text.charCodeAt(i));
    }
    return Buffer.from(bytes);
  }
  return body;
}

export function parseMime(raw: Buffer): MimePart {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const text = body.toString("latin1");
    const pieces = text.split(`--${boundary}`).slice(1);
    const parts = pieces
      .filter((p) => !p.startsWith("--"))
      .map((p) => parseMime(Buffer.from(p.replace(/^\r\n/, "").replace(/\r\n$/, ""), "latin1")));
    return { headers, body: Buffer.alloc(0), parts };
  }
  return { headers, body: decode(body, headers.get("content-transfer-encoding")), parts: [] };
}

/** Every leaf part, depth first. */
export function leaves(p: MimePart): MimePart[] {
  return p.parts.length === 0 ? [p] : p.parts.flatMap(leaves);
}

export function attachmentNamed(root: MimePart, filename: string): Buffer | undefined {
  return leaves(root).find((p) => new RegExp(`filename="?${filename.replace(/[.]/g, "\\.")}"?`).test(p.headers.get("content-disposition") ?? ""))?.body;
}

export function partOfType(root: MimePart, type: string): string | undefined {
  return leaves(root)
    .find((p) => (p.headers.get("content-type") ?? "").startsWith(type) && !(p.headers.get("content-disposition") ?? "").startsWith("attachment"))
    ?.body.toString("utf8");
}
