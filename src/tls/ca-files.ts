import { readFileSync } from "node:fs";
import { UsageError } from "../errors.js";

/** Extra CA certificates from --ca files (NODE_EXTRA_CA_CERTS is applied by Node itself). */
export function readCaFiles(files: string[] | undefined): string[] | undefined {
  if (!files || files.length === 0) return undefined;
  return files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (err) {
      throw new UsageError(`--ca ${f}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? "error"}).`);
    }
    if (!text.includes("-----BEGIN CERTIFICATE-----")) {
      throw new UsageError(`--ca ${f}: not a PEM certificate file.`, "Give the CA certificate in PEM form (-----BEGIN CERTIFICATE-----).");
    }
    return text;
  });
}
