import { createHash, randomBytes } from "node:crypto";

/** PKCE (RFC 7636): the verifier stays here, only its S256 challenge goes to the browser. */
export interface Pkce {
  verifier: string;
  challenge: string;
  method: "S256";
}

export function createPkce(): Pkce {
  // 32 random bytes give a 43-character verifier, the shortest RFC 7636 allows.
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: s256(verifier), method: "S256" };
}

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** The `state` that must come back unchanged: ties the answer to this sign-in attempt. */
export function randomState(): string {
  return randomBytes(24).toString("base64url");
}
