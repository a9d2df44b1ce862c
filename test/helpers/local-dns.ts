import dgram from "node:dgram";

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) for tests: A, AAAA, MX and SRV
 * answers from a zone map, NXDOMAIN for any other name. Lets the DNS stage run for real
 * without a single packet leaving the machine.
 */
export interface Zone {
  [name: string]: {
    A?: string[];
    AAAA?: string[];
    MX?: Array<{ priority: number; exchange: string }>;
    SRV?: Array<{ priority: number; weight: number; port: number; target: string }>;
  };
}

export interface LocalDns {
  server: string;
  queries: string[];
  close(): Promise<void>;
}

const TYPES: Record<number, keyof Zone[string]> = { 1: "A", 28: "AAAA", 15: "MX", 33: "SRV" };

export interface LocalDnsOptions {
  /** Queries ("MX example.test") this server never answers: a resolver that hangs. */
  ignore?: (query: string) => boolean;
}

export async function startLocalDns(zone: Zone, opts: LocalDnsOptions = {}): Promise<LocalDns> {
  const socket = dgram.createSocket("udp4");
  const queries: string[] = [];
  socket.on("message", (msg, rinfo) => {
    const { name, qtype, end } = readQuestion(msg);
    const type = TYPES[qtype];
    queries.push(`${type ?? qtype} ${name}`);
    if (opts.ignore?.(`${type ?? qtype} ${name}`)) return;
    const entry = zone[name.toLowerCase()];
    const answers: Buffer[] = [];
    if (entry && type) {
      for (const rr of (entry[type] ?? []) as unknown[]) answers.push(answer(qtype, rdata(type, rr)));
    }
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8400 | (entry ? 0 : 3), 2); // response, authoritative, NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, end), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function readQuestion(msg: Buffer): { name: string; qtype: number; end: number } {
  const labels: string[] = [];
  let i = 12;
  while (msg[i]) {
    const len = msg[i] ?? 0;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("latin1"));
    i += len + 1;
  }
  i += 1;
  return { name: labels.join("."), qtype: msg.readUInt16BE(i), end: i + 4 };
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, "").split(".").filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, "latin1")])), Buffer.from([0])]);
}

function rdata(type: keyof Zone[string], rr: unknown): Buffer {
  switch (type) {
    case "A":
      return Buffer.from(String(rr).split(".").map(Number));
    case "AAAA": {
      const full = String(rr).includes("::") ? expand(String(rr)) : String(rr).split(":");
      return Buffer.from(full.flatMap((h) => [parseInt(h, 16) >> 8, parseInt(h, 16) & 0xff]));
    }
    case "MX": {
      const mx = rr as { priority: number; exchange: string };
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(mx.priority);
      return Buffer.concat([pref, encodeName(mx.exchange)]);
    }
    case "SRV": {
      const srv = rr as { priority: number; weight: number; port: number; target: string };
      const head = Buffer.alloc(6);
      head.writeUInt16BE(srv.priority, 0);
      head.writeUInt16BE(srv.weight, 2);
      head.writeUInt16BE(srv.port, 4);
      return Buffer.concat([head, encodeName(srv.target)]);
    }
  }
}

function expand(v6: string): string[] {
  const [left = "", right = ""] = v6.split("::");
  const l = left ? left.split(":") : [];
  const r = right ? right.split(":") : [];
  return [...l, ...Array(8 - l.length - r.length).fill("0"), ...r];
}

function answer(qtype: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question
  head.writeUInt16BE(qtype, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}
