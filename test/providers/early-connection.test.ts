import { describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { openEarlyConnection } from "../../src/providers/early-connection.js";
import { unusedPort, useRig } from "../helpers/smtp-rig.js";

const rig = useRig();

const firstData = (socket: Socket) => new Promise<string>((resolve) => socket.once("data", (d: Buffer) => resolve(d.toString())));

describe("openEarlyConnection", () => {
  it("hands over the connected socket with the server's greeting still unread, once", async () => {
    const early = openEarlyConnection("127.0.0.1", rig.starttls.port, 5000);
    // smtp-server greets after 100 ms; by now the greeting sits in the socket's buffer.
    await new Promise((r) => setTimeout(r, 300));
    const socket = await early.take();
    expect(socket).toBeDefined();
    expect(await firstData(socket!)).toMatch(/^220 /);
    expect(await early.take()).toBeUndefined();
    socket!.destroy();
  });

  it("gives nothing when nothing listens, at once, so the caller connects (and fails) the usual way", async () => {
    const started = Date.now();
    const early = openEarlyConnection("127.0.0.1", await unusedPort(), 5000);
    expect(await early.take()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("discard() closes an unused connection, so the server is not left holding it", async () => {
    const closed: Promise<void>[] = [];
    const server: Server = createServer((s) => {
      s.on("error", () => undefined);
      closed.push(new Promise((resolve) => s.on("close", () => resolve())));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const early = openEarlyConnection("127.0.0.1", (server.address() as AddressInfo).port, 5000);
      await new Promise((r) => setTimeout(r, 100));
      expect(closed).toHaveLength(1);
      early.discard();
      await closed[0];
      expect(await early.take()).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
