import { describe, expect, it } from "vitest";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";
import { secureContextWith } from "../../src/tls/trust.js";

function handshake(cert: { key: string; cert: string }, secureContext: tls.SecureContext): Promise<string> {
  return new Promise((resolve) => {
    const srv = tls.createServer(cert, (s) => s.end());
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      const c = tls.connect({ host: "127.0.0.1", port, servername: "localhost", secureContext }, () => {
        c.end();
        srv.close();
        resolve("ok");
      });
      c.on("error", (e: NodeJS.ErrnoException) => {
        srv.close();
        resolve(e.code ?? e.message);
      });
    });
  });
}

describe("secureContextWith: Node's trusted store plus extra CAs", () => {
  const a = new ThrowawayCa("CA A");
  const b = new ThrowawayCa("CA B");

  it("trusts a server signed by an extra CA, and still refuses one signed by a CA nobody added", async () => {
    const ctx = secureContextWith([a.cert], {});
    expect(await handshake(a.issue(), ctx)).toBe("ok");
    expect(await handshake(b.issue(), ctx)).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER/);
  });

  it("reads every certificate of a bundle file", async () => {
    const ctx = secureContextWith([a.cert + b.cert], {});
    expect(await handshake(a.issue(), ctx)).toBe("ok");
    expect(await handshake(b.issue(), ctx)).toBe("ok");
  });
});
