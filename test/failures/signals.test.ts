import { describe, expect, it } from "vitest";
import { readSignals, signalVerdict } from "../../src/failures/signals.js";
import { ENHANCED, REPLIES } from "../../src/failures/smtp-code-table.js";

/**
 * The IANA "SMTP Enhanced Status Codes" registry, restated independently of the table:
 * every enumerated detail code and the RFC that registered it.
 */
const REGISTRY: ReadonlyArray<readonly [string, string]> = [
  ["0.0", "RFC 3463"],
  ...["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"].map((d) => [d, "RFC 3463"] as const),
  ["1.9", "RFC 3886"],
  ["1.10", "RFC 7505"],
  ...["2.0", "2.1", "2.2", "2.3", "2.4"].map((d) => [d, "RFC 3463"] as const),
  ...["3.0", "3.1", "3.2", "3.3", "3.4", "3.5"].map((d) => [d, "RFC 3463"] as const),
  ["3.6", "RFC 6710"],
  ...["4.0", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7"].map((d) => [d, "RFC 3463"] as const),
  ...["5.0", "5.1", "5.2", "5.3", "5.4", "5.5"].map((d) => [d, "RFC 3463"] as const),
  ["5.6", "RFC 4954"],
  ...["6.0", "6.1", "6.2", "6.3", "6.4", "6.5"].map((d) => [d, "RFC 3463"] as const),
  ["6.6", "RFC 4468"],
  ...["6.7", "6.8", "6.9", "6.10"].map((d) => [d, "RFC 6531"] as const),
  ...["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7"].map((d) => [d, "RFC 3463"] as const),
  ["7.8", "RFC 4954"],
  ["7.9", "RFC 4954"],
  ["7.10", "RFC 5248"],
  ["7.11", "RFC 4954"],
  ["7.12", "RFC 4954"],
  ["7.13", "RFC 5248"],
  ["7.14", "RFC 5248"],
  ["7.15", "RFC 6710"],
  ["7.16", "RFC 6710"],
  ...["7.17", "7.18", "7.19"].map((d) => [d, "RFC 7293"] as const),
  ...["7.20", "7.21", "7.22", "7.23", "7.24", "7.25", "7.26"].map((d) => [d, "RFC 7372"] as const),
  ["7.27", "RFC 7505"],
  ["7.28", "IANA"],
  ["7.29", "RFC 8617"],
  ["7.30", "RFC 8689"],
];

describe("every code of the IANA enhanced status code registry", () => {
  it("is in the table once, and the table has nothing the registry lacks", () => {
    const details = ENHANCED.map((r) => r.detail);
    expect(new Set(details).size).toBe(details.length);
    expect([...details].sort()).toEqual(REGISTRY.map(([d]) => d).sort());
  });

  it.each(REGISTRY)("X.%s (%s): class 5 is permanent, class 4 transient, and the source names the RFC", (detail, rfc) => {
    const permanent = signalVerdict({ enhancedCode: `5.${detail}` });
    const temporary = signalVerdict({ enhancedCode: `4.${detail}` });
    expect(permanent?.transient).toBe(false);
    expect(temporary?.transient).toBe(true);
    expect(permanent?.source).toContain(rfc);
    expect(permanent?.id).toBe(`enhanced-5.${detail}`);
    expect(permanent?.fix.length).toBeGreaterThan(0);
    expect(permanent?.cause).toContain(`5.${detail}`);
  });
});

describe("what an enhanced code means on its own", () => {
  it.each([
    // login
    ["5.7.8", "auth", false],
    ["5.7.9", "auth", false],
    ["5.7.12", "auth", false],
    ["5.7.13", "auth", false],
    ["5.7.14", "auth", false],
    ["5.7.3", "auth", false], // Microsoft's "535 5.7.3 Authentication unsuccessful"
    ["5.7.4", "auth", false], // Exchange's "504 5.7.4 Unrecognized authentication type"
    ["5.5.6", "auth", false],
    ["4.7.12", "auth", true],
    // encryption
    ["5.7.10", "ssl", false],
    ["5.7.11", "ssl", false],
    ["4.7.11", "ssl", true],
    ["5.7.5", "ssl", false],
    ["4.7.4", "ssl", true], // Postfix: "TLS is required, but was not offered"
    ["4.7.5", "ssl", true], // Postfix: "Server certificate not verified"
    // refused: address, mailbox, size, policy, sender authentication
    ["5.1.1", "rejected", false],
    ["5.1.10", "rejected", false],
    ["5.1.7", "rejected", false],
    ["5.2.2", "rejected", false],
    ["5.2.3", "rejected", false],
    ["5.3.4", "rejected", false],
    ["5.5.3", "rejected", false],
    ["5.7.1", "rejected", false],
    ["5.7.26", "rejected", false],
    ["5.7.27", "rejected", false],
    ["5.6.7", "rejected", false],
    // temporary, on the sender's, recipient's or message's side: still transient
    ["4.2.2", "rejected", true],
    ["4.5.3", "rejected", true],
    ["4.1.8", "rejected", true],
    ["4.7.26", "rejected", true],
    // temporary server trouble
    ["4.3.0", "server", true],
    ["4.3.2", "server", true],
    ["4.4.1", "server", true],
    ["4.7.0", "server", true],
    ["4.7.1", "server", true],
    ["4.4.7", "server", true],
    // the server itself
    ["5.3.2", "server", false],
    ["5.5.1", "server", false],
    // a provider's own detail falls back to its subject
    ["5.7.139", "rejected", false],
    ["4.7.500", "server", true],
    ["5.1.90", "rejected", false],
  ] as const)("%s -> %s (transient %s)", (code, category, transient) => {
    const v = signalVerdict({ enhancedCode: code });
    expect(v?.category).toBe(category);
    expect(v?.transient).toBe(transient);
  });

  it("has no verdict for success codes or non-codes", () => {
    expect(signalVerdict({ enhancedCode: "2.0.0" })).toBeUndefined();
    expect(signalVerdict({ enhancedCode: "2.1.5" })).toBeUndefined();
    expect(signalVerdict({ enhancedCode: "9.9.9" })).toBeUndefined();
    expect(signalVerdict({})).toBeUndefined();
  });
});

describe("basic reply codes (RFC 5321, RFC 4954, RFC 7504)", () => {
  it.each([
    [421, "server", true],
    [432, "auth", false],
    [450, "server", true],
    [451, "server", true],
    [452, "server", true],
    [454, "server", true],
    [455, "server", true],
    [500, "server", false],
    [501, "rejected", false],
    [502, "server", false],
    [503, "auth", false],
    [504, "auth", false],
    [521, "server", false],
    [530, "auth", false],
    [534, "auth", false],
    [535, "auth", false],
    [538, "ssl", false],
    [550, "rejected", false],
    [551, "rejected", false],
    [552, "rejected", false],
    [553, "rejected", false],
    [554, "rejected", false],
    [555, "rejected", false],
    [556, "rejected", false],
  ] as const)("%i -> %s (transient %s)", (replyCode, category, transient) => {
    const v = signalVerdict({ replyCode });
    expect(v?.category).toBe(category);
    expect(v?.transient).toBe(transient);
    expect(v?.id).toBe(`reply-${replyCode}`);
  });

  it("knows every reply it lists and nothing for a success or an unknown number", () => {
    for (const r of REPLIES) expect(signalVerdict({ replyCode: r.code })).toBeDefined();
    expect(signalVerdict({ replyCode: 250 })).toBeUndefined();
    expect(signalVerdict({ replyCode: 599 })).toBeUndefined();
  });

  it.each([
    // a login refusal stays a login refusal whatever detail code sits beside it
    [535, "5.7.3", "auth", "reply-535"],
    [535, "5.7.139", "auth", "reply-535"],
    [535, "5.7.30", "auth", "reply-535"],
    [530, "5.7.0", "auth", "reply-530"],
    [530, "5.5.1", "auth", "reply-530"],
    // ... unless the detail says encryption is missing
    [530, "5.7.11", "ssl", "enhanced-5.7.11"],
    // a catch-all detail with a plain reply: the detail decides
    [550, "5.7.0", "rejected", "enhanced-5.7.0"],
    [550, "5.1.1", "rejected", "enhanced-5.1.1"],
    [554, "5.3.2", "server", "enhanced-5.3.2"],
    [451, "4.7.12", "auth", "enhanced-4.7.12"],
    [452, "4.5.3", "rejected", "enhanced-4.5.3"],
    [504, "5.5.4", "auth", "reply-504"],
    // a refused address or parameter, whatever protocol detail comes with it
    [555, "5.5.2", "rejected", "reply-555"],
    [501, "5.5.2", "rejected", "reply-501"],
  ] as const)("%i with %s -> %s (%s)", (replyCode, enhancedCode, category, id) => {
    const v = signalVerdict({ replyCode, enhancedCode });
    expect(v?.category).toBe(category);
    expect(v?.id).toBe(id);
  });
});

describe("errno, nodemailer, OpenSSL, Node TLS and NSS codes", () => {
  it.each([
    ["ECONNREFUSED", "server", false],
    ["ETIMEDOUT", "server", true],
    ["ENOTFOUND", "server", false],
    ["EAI_AGAIN", "server", true],
    ["ECONNRESET", "server", true],
    ["EHOSTUNREACH", "server", true],
    ["ENETUNREACH", "server", true],
    ["EPIPE", "server", true],
    ["EACCES", "server", false],
    ["EPROTO", "ssl", false],
    ["ESOCKET", "server", true],
    ["ETLS", "ssl", false],
    ["EAUTH", "auth", false],
    ["EOAUTH2", "oauth", false],
    ["EENVELOPE", "rejected", false],
    ["EMESSAGE", "rejected", false],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "ssl", false],
    ["ERR_TLS_HANDSHAKE_TIMEOUT", "ssl", false],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "ssl", false],
    ["ERR_SSL_SOMETHING_NEW", "ssl", false],
    ["CERT_HAS_EXPIRED", "ssl", false],
    ["CERT_NOT_YET_VALID", "ssl", false],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "ssl", false],
    ["SELF_SIGNED_CERT_IN_CHAIN", "ssl", false],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ssl", false],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ssl", false],
    ["X509_V_ERR_HOSTNAME_MISMATCH", "ssl", false],
    ["SEC_ERROR_UNKNOWN_ISSUER", "ssl", false],
    ["SSL_ERROR_BAD_CERT_DOMAIN", "ssl", false],
    ["MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", "ssl", false],
  ] as const)("%s -> %s (transient %s)", (errno, category, transient) => {
    const v = signalVerdict({ errno });
    expect(v?.category).toBe(category);
    expect(v?.transient).toBe(transient);
  });

  it("names the certificate's host problem and the CA problem differently", () => {
    expect(signalVerdict({ errno: "ERR_TLS_CERT_ALTNAME_INVALID" })?.fix.join(" ")).toMatch(/host name the certificate/);
    expect(signalVerdict({ errno: "SELF_SIGNED_CERT_IN_CHAIN" })?.fix.join(" ")).toMatch(/--ca/);
    expect(signalVerdict({ errno: "CERT_HAS_EXPIRED" })?.fix.join(" ")).toMatch(/date and time/);
  });

  it("has no verdict for an error code it does not know", () => {
    expect(signalVerdict({ errno: "EWHATEVER" })).toBeUndefined();
  });
});

describe("HTTP status codes by what was called", () => {
  it.each([
    [401, "ews", "auth", false],
    [403, "ews", "auth", false],
    [404, "ews", "server", false],
    [440, "ews", "auth", false],
    [401, "graph", "oauth", false],
    [403, "graph", "oauth", false],
    [404, "graph", "rejected", false],
    [413, "graph", "rejected", false],
    [400, "oauth", "oauth", false],
    [401, "oauth", "oauth", false],
    [401, "gmail", "oauth", false],
    [403, "gmail", "oauth", false],
    [400, "gmail", "rejected", false],
    [429, "ews", "server", true],
    [429, "graph", "server", true],
    [429, "gmail", "server", true],
    [500, "ews", "server", true],
    [502, "graph", "server", true],
    [503, "oauth", "server", true],
    [504, "gmail", "server", true],
    [408, "ews", "server", true],
    [407, "ews", "server", false],
  ] as const)("%i from %s -> %s (transient %s)", (httpStatus, httpContext, category, transient) => {
    const v = signalVerdict({ httpStatus, httpContext });
    expect(v?.category).toBe(category);
    expect(v?.transient).toBe(transient);
    expect(v?.id).toBe(`http-${httpContext}-${httpStatus}`);
  });

  it("prefers an SMTP code to an HTTP status with no context", () => {
    expect(signalVerdict({ httpStatus: 401, replyCode: 535 })?.id).toBe("reply-535");
    expect(signalVerdict({ httpStatus: 401 })?.category).toBe("auth");
  });
});

describe("reading the signals out of pasted text", () => {
  it.each([
    ["The request failed. The remote server returned an error: (401)Unauthorized", { httpStatus: 401, httpContext: "ews" }],
    ["microsoft.exchange.webservices.data.core.exception.service.remote.ServiceRequestException: The request failed. The request failed. 401", { httpStatus: 401, httpContext: "ews" }],
    ["Failed to process EWS request - HTTP code 401", { httpStatus: 401, httpContext: "ews" }],
    ["requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://mail.contoso.com/EWS/Exchange.asmx", { httpStatus: 401, httpContext: "ews" }],
    ["Request failed with status code 503 (https://graph.microsoft.com/v1.0/me/sendMail)", { httpStatus: 503, httpContext: "graph" }],
    ["<HttpError 403 when requesting https://gmail.googleapis.com/gmail/v1/users/me/messages/send returned", { httpStatus: 403, httpContext: "gmail" }],
    ["Error code: SEC_ERROR_UNKNOWN_ISSUER", { errno: "SEC_ERROR_UNKNOWN_ISSUER" }],
    ["Error: connect ECONNREFUSED 127.0.0.1:587", { errno: "ECONNREFUSED" }],
  ] as const)("%s", (text, expected) => {
    expect(readSignals(text, [])).toMatchObject(expected);
  });

  it("does not read an HTTP (503) as the SMTP reply 503", () => {
    const s = readSignals("The remote server returned an error: (503) Server Unavailable.", ["503"]);
    expect(s.httpStatus).toBe(503);
    expect(s.replyCode).toBeUndefined();
    expect(signalVerdict(s)?.category).toBe("server");
  });

  it("takes the enhanced code and the SMTP reply the caller found", () => {
    expect(readSignals("535 5.7.3 Authentication unsuccessful", ["5.7.3", "535"])).toEqual({ enhancedCode: "5.7.3", replyCode: 535 });
  });
  // Outlook, Windows Mail and curl often print nothing but a number.
  it.each([
    ["Error 0x80042109", "server"],
    ["Outlook error 0x8004210b when sending", "server"],
    ["0x800CCC92", "auth"],
    ["SMTP: 0x80090325", "ssl"],
    ["curl: (56) response reading failed (errno: 104)", "server"],
    ["curl: (67) Login denied", "auth"],
    ["cURL error 60: SSL certificate problem", "ssl"],
  ] as const)("reads the Windows or curl code in %s", (text, category) => {
    expect(signalVerdict(readSignals(text, []))?.category).toBe(category);
  });

  it("leaves the reply beside the code to decide, and a code it does not know alone", () => {
    expect(signalVerdict(readSignals("(0x800CCC0E) The server responded: 550 5.7.1 Relaying denied", ["5.7.1", "550"]))?.category).toBe("rejected");
    expect(signalVerdict(readSignals("The mail client crashed with error 0x800CCC0F", []))).toBeUndefined();
    expect(signalVerdict(readSignals("Error code: 0x80048830", []))).toBeUndefined();
  });
});
