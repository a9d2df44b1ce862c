/**
 * Whether a failed HTTP send request may still have been carried out: no answer came,
 * and the failure is not one that happens before the request can be written (no such
 * host, connection refused). A reset or a timeout after writing leaves it open.
 */
const BEFORE_REQUEST = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ERR_TLS_CERT_ALTNAME_INVALID", "SELF_SIGNED_CERT_IN_CHAIN"]);

/**
 * An EWS call that failed without an answer, during the operation that sends (CreateItem
 * with SendAndSaveCopy, or SendItem after a draft with attachments).
 */
export function ewsMaybeDelivered(facts: { operation: string; httpStatus?: number; networkCode?: string }, viaDraft: boolean): boolean {
  const sending = viaDraft ? /SendItem/.test(facts.operation) : /CreateItem/.test(facts.operation);
  return sending && !facts.httpStatus && !(facts.networkCode && BEFORE_REQUEST.has(facts.networkCode));
}

export function requestMaybeDelivered(err: unknown): boolean {
  const e = err as { response?: unknown; code?: unknown; cause?: { code?: unknown } };
  if (e?.response) return false;
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : undefined;
  return !(code && BEFORE_REQUEST.has(code));
}
