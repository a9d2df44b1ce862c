import tls from "node:tls";

/** What a TLS handshake showed, and whether a careful client would accept it. */
export interface TlsFacts {
  protocol: string;
  cipher: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Days until the certificate expires (negative: expired that many days ago). */
  daysLeft: number;
  /** DNS names and IP addresses the certificate is for. */
  names: string[];
  nameMatches: boolean;
  trusted: boolean;
  /** Why a careful client refuses it: the first problem (trust, then name), as Node names it. */
  problem?: { code: string; message: string };
}

/**
 * Reads the facts off a TLS socket made with rejectUnauthorized false, and judges them
 * the way Node would with rejectUnauthorized true: chain and dates, then the host name.
 */
export function tlsFacts(socket: tls.TLSSocket, host: string, now: Date): TlsFacts {
  const cert = socket.getPeerCertificate();
  const cipher = socket.getCipher();
  const names = altNames(cert.subjectaltname);
  const validTo = cert.valid_to ?? "";
  const daysLeft = validTo ? Math.floor((Date.parse(validTo) - now.getTime()) / 86_400_000) : 0;
  const identityError = cert && Object.keys(cert).length > 0 ? tls.checkServerIdentity(host, cert) : new Error("the server sent no certificate");
  const authError = socket.authorizationError as unknown;
  const authCode = authError ? (typeof authError === "string" ? authError : String((authError as { code?: unknown }).code ?? authError)) : undefined;
  // Node reports a name mismatch as the authorization error too; the chain itself is fine then.
  const chainTrusted = socket.authorized || authCode === "ERR_TLS_CERT_ALTNAME_INVALID";
  const facts: TlsFacts = {
    protocol: socket.getProtocol() ?? "unknown",
    cipher: cipher?.name ?? "unknown",
    subject: dnText(cert.subject),
    issuer: dnText(cert.issuer),
    validFrom: cert.valid_from ?? "",
    validTo,
    daysLeft,
    names,
    nameMatches: identityError === undefined,
    trusted: chainTrusted,
  };
  if (!chainTrusted && authCode) {
    facts.problem = { code: authCode, message: authErrorMessage(authCode) };
  } else if (identityError) {
    const code = String((identityError as { code?: unknown }).code ?? "ERR_TLS_CERT_ALTNAME_INVALID");
    facts.problem = { code, message: identityError.message };
  }
  return facts;
}

/** Node gives the verify error as a code; this is the OpenSSL text that goes with it. */
function authErrorMessage(code: string): string {
  const known: Record<string, string> = {
    CERT_HAS_EXPIRED: "certificate has expired",
    CERT_NOT_YET_VALID: "certificate is not yet valid",
    DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
    SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in certificate chain",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to verify the first certificate",
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unable to get local issuer certificate",
    UNABLE_TO_GET_ISSUER_CERT: "unable to get issuer certificate",
    CERT_REVOKED: "certificate revoked",
  };
  return known[code] ?? code;
}

function altNames(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .map((entry) => entry.replace(/^(DNS|IP Address):/i, "").trim())
    .filter(Boolean);
}

function dnText(dn: tls.PeerCertificate["subject"] | undefined): string {
  if (!dn) return "";
  const parts: string[] = [];
  for (const key of ["CN", "O"] as const) {
    const v = (dn as unknown as Record<string, string | string[] | undefined>)[key];
    if (v) parts.push(`${key}=${Array.isArray(v) ? v.join("+") : v}`);
  }
  return parts.join(", ");
}

/** One line for people: "TLSv1.3 TLS_AES_256_GCM_SHA384; certificate CN=... from CN=..., valid until ... (N days), name matches". */
export function describeTls(f: TlsFacts): string {
  const until = f.validTo ? new Date(Date.parse(f.validTo)).toISOString().slice(0, 10) : "?";
  const validity = f.daysLeft < 0 ? `EXPIRED on ${until} (${-f.daysLeft} days ago)` : `valid until ${until} (${f.daysLeft} days)`;
  const name = f.nameMatches ? "name matches" : `name does NOT match (certificate is for ${f.names.join(", ") || f.subject})`;
  const trust = f.trusted ? "trusted" : "NOT trusted";
  return `${f.protocol} ${f.cipher}; certificate ${f.subject || "(no subject)"} issued by ${f.issuer || "?"}, ${validity}, ${name}, ${trust}`;
}

/** A failed handshake in words ("TLS handshake failed: wrong version number"), with the error's full text kept for classification. */
export function handshakeError(err: unknown): { text: string; summary: string; evidence: string } {
  const e = err as { code?: unknown; reason?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  const reason = typeof e.reason === "string" ? e.reason : undefined;
  const message = typeof e.message === "string" ? e.message.trim() : String(err);
  const words = reason ?? message.split("\n")[0] ?? message;
  return {
    text: [code, message, reason].filter(Boolean).join("\n"),
    summary: `TLS handshake failed: ${words}${code ? ` (${code})` : ""}`,
    evidence: `${words}${code ? ` (${code})` : ""}`,
  };
}
