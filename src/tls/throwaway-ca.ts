import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

/** A certificate and its key, PEM encoded. */
export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface ServerCertOptions {
  /** DNS names and IP addresses the certificate is for. */
  names?: string[];
  /** Make a certificate that expired yesterday. */
  expired?: boolean;
}

/**
 * A throwaway certificate authority made in memory: the sandbox and the tests use it
 * for real TLS without any file from outside. Keys come from node:crypto (fast);
 * node-forge only builds and signs the X.509 structures.
 */
export class ThrowawayCa {
  readonly cert: string;
  private readonly key: forge.pki.rsa.PrivateKey;
  private readonly forgeCert: forge.pki.Certificate;

  constructor(commonName = "mailcfg throwaway CA") {
    const { key, publicKey } = rsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    const now = Date.now();
    cert.validity.notBefore = new Date(now - 24 * 3600_000);
    cert.validity.notAfter = new Date(now + 365 * 24 * 3600_000);
    const subject = [{ name: "commonName", value: commonName }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(key, forge.md.sha256.create());
    this.key = key;
    this.forgeCert = cert;
    this.cert = forge.pki.certificateToPem(cert);
  }

  /** A server certificate signed by this CA (localhost, 127.0.0.1 and ::1 by default). */
  issue(opts: ServerCertOptions = {}): KeyAndCert {
    const names = opts.names ?? ["localhost", "127.0.0.1", "::1"];
    const { key, publicKey, keyPem } = rsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    const now = Date.now();
    const day = 24 * 3600_000;
    cert.validity.notBefore = new Date(opts.expired ? now - 30 * day : now - day);
    cert.validity.notAfter = new Date(opts.expired ? now - day : now + 90 * day);
    cert.setSubject([{ name: "commonName", value: names[0] ?? "localhost" }]);
    cert.setIssuer(this.forgeCert.subject.attributes);
    cert.setExtensions([
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: names.map((n) => (isIp(n) ? { type: 7, ip: n } : { type: 2, value: n })),
      },
    ]);
    cert.sign(this.key, forge.md.sha256.create());
    void key;
    return { key: keyPem, cert: forge.pki.certificateToPem(cert) };
  }
}

function rsaKeyPair() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  return { key, publicKey, keyPem };
}

function serial(): string {
  return "01" + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

function isIp(s: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(s) || s.includes(":");
}
