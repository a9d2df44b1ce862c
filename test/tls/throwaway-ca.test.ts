import { describe, expect, it } from "vitest";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { ThrowawayCa } from "../../src/tls/throwaway-ca.js";

function handshake(cert: { key: string; cert: string }, ca: string[], servername = "localhost"): Promise<string> {
  return new Promise((resolve) => {
    const srv = tls.createServer(cert, (s) => s.end());
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      const c = tls.connect({ host: "127.0.0.1", port, ca, servername }, () => {
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

describe("ThrowawayCa", () => {
  const ca = new ThrowawayCa();

  it("issues a certificate that a client trusting the CA accepts", async () => {
    expect(await handshake(ca.issue(), [ca.cert])).toBe("ok");
  });
  it("is not trusted without the CA", async () => {
    expect(await handshake(ca.issue(), [])).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
  });
  it("can issue an expired certificate", async () => {
    expect(await handshake(ca.issue({ expired: true }), [ca.cert])).toBe("CERT_HAS_EXPIRED");
  });
  it("can issue a certificate for another host name", async () => {
    expect(await handshake(ca.issue({ names: ["mail.example.test"] }), [ca.cert])).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });
});
