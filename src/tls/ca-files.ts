import { X509Certificate } from "node:crypto";
import { UsageError } from "../errors.js";
import { MB, readBoundedText } from "../config/files.js";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const NOT_PEM_HINT = "Give the CA certificate in PEM form (-----BEGIN CERTIFICATE-----).";

/**
 * Extra CA certificates from --ca files (NODE_EXTRA_CA_CERTS is applied by Node itself).
 * Each file is read with a limit (a FIFO or device is refused) and must hold at least
 * one certificate that parses: a file that is not PEM is refused, never quietly ignored.
 */
export function readCaFiles(files: string[] | undefined): string[] | undefined {
  if (!files || files.length === 0) return undefined;
  return files.map((f) => {
    const text = readBoundedText(f, { label: "--ca", maxBytes: MB, category: "usage", hint: NOT_PEM_HINT });
    if (text === undefined) throw new UsageError(`--ca ${f}: cannot read the file (ENOENT).`);
    const blocks = text.match(PEM_BLOCK) ?? [];
    if (blocks.length === 0) throw new UsageError(`--ca ${f}: not a PEM certificate file.`, NOT_PEM_HINT);
    for (const [i, pem] of blocks.entries()) {
      try {
        new X509Certificate(pem);
      } catch (err) {
        throw new UsageError(`--ca ${f}: certificate ${i + 1} in the file is not a valid certificate (${err instanceof Error ? err.message : String(err)}).`, NOT_PEM_HINT);
      }
    }
    return text;
  });
}
