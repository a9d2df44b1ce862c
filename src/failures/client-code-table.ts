/**
 * What the codes clients print mean, for signals.ts: errno, OpenSSL / Node TLS, NSS,
 * Outlook, curl and Schannel codes, and HTTP statuses by what was being talked to.
 * Data only.
 */
import type { FixKey, SignalCategory } from "./signal-fixes.js";

export type HttpContext = "ews" | "graph" | "oauth" | "gmail";

// ---------------------------------------------------------------------------
// errno, nodemailer and OpenSSL / Node TLS codes.

export interface ErrnoRow {
  cat: SignalCategory;
  cause: string;
  fix: FixKey;
  transient: boolean;
}

const NODE = "Node.js error codes";
const X509 = "OpenSSL X509 verify result (Node err.code)";
const NSS = "NSS error code (Thunderbird)";
const OUTLOOK = "Outlook / Windows Mail error code (Microsoft support articles)";
const CURL = "libcurl error codes (curl/curl.h)";
const SCHANNEL = "Schannel SSPI status code (Windows, winerror.h)";

export const ERRNO: Record<string, ErrnoRow & { source: string }> = {
  ECONNREFUSED: { cat: "server", cause: "Nothing accepts connections on that host and port (connection refused).", fix: "wrongServer", transient: false, source: NODE },
  ETIMEDOUT: { cat: "server", cause: "The server did not answer in time (connection or reply timed out): a wrong host or port, or a firewall dropping the traffic.", fix: "unreachable", transient: true, source: NODE },
  ESOCKETTIMEDOUT: { cat: "server", cause: "The connection went silent and timed out.", fix: "unreachable", transient: true, source: NODE },
  ENOTFOUND: { cat: "server", cause: "The server name does not exist in DNS (or is misspelt).", fix: "dnsName", transient: false, source: NODE },
  EAI_AGAIN: { cat: "server", cause: "DNS could not be asked right now (temporary name-resolution failure).", fix: "retry", transient: true, source: NODE },
  EAI_NONAME: { cat: "server", cause: "The server name does not resolve.", fix: "dnsName", transient: false, source: NODE },
  ECONNRESET: { cat: "server", cause: "The server (or something in between) dropped the connection.", fix: "unreachable", transient: true, source: NODE },
  ECONNABORTED: { cat: "server", cause: "The connection was aborted.", fix: "unreachable", transient: true, source: NODE },
  EHOSTUNREACH: { cat: "server", cause: "There is no route to the server's host.", fix: "unreachable", transient: true, source: NODE },
  ENETUNREACH: { cat: "server", cause: "The network the server is on cannot be reached from here.", fix: "unreachable", transient: true, source: NODE },
  EHOSTDOWN: { cat: "server", cause: "The server's host is down.", fix: "unreachable", transient: true, source: NODE },
  ENETDOWN: { cat: "server", cause: "This computer's network is down.", fix: "unreachable", transient: true, source: NODE },
  EPIPE: { cat: "server", cause: "The server closed the connection while mailcfg was still writing.", fix: "unreachable", transient: true, source: NODE },
  EADDRNOTAVAIL: { cat: "server", cause: "The address to connect to is not usable from this computer.", fix: "wrongServer", transient: false, source: NODE },
  EACCES: { cat: "server", cause: "This computer refused to open the connection (a local firewall or security policy blocks the port).", fix: "unreachable", transient: false, source: NODE },
  EPROTO: { cat: "ssl", cause: "The TLS layer failed (Node reports OpenSSL protocol errors as EPROTO): usually the security setting does not match the port.", fix: "tlsProtocol", transient: false, source: NODE },
  // nodemailer's own codes
  ECONNECTION: { cat: "server", cause: "nodemailer could not connect to the server.", fix: "wrongServer", transient: true, source: "nodemailer" },
  ESOCKET: { cat: "server", cause: "The connection to the server failed (nodemailer ESOCKET).", fix: "unreachable", transient: true, source: "nodemailer" },
  EDNS: { cat: "server", cause: "nodemailer could not resolve the server name.", fix: "dnsName", transient: false, source: "nodemailer" },
  ETLS: { cat: "ssl", cause: "The TLS handshake with the server failed (nodemailer ETLS).", fix: "tlsProtocol", transient: false, source: "nodemailer" },
  EAUTH: { cat: "auth", cause: "The server refused the login (nodemailer EAUTH).", fix: "login", transient: false, source: "nodemailer" },
  ENOAUTH: { cat: "auth", cause: "No credentials were given for a server that wants a login.", fix: "authRequired", transient: false, source: "nodemailer" },
  EOAUTH2: { cat: "oauth", cause: "The OAuth2 access token could not be obtained or was refused.", fix: "reconnect", transient: false, source: "nodemailer" },
  EENVELOPE: { cat: "rejected", cause: "The server refused the sender or every recipient (nodemailer EENVELOPE).", fix: "recipient", transient: false, source: "nodemailer" },
  EMESSAGE: { cat: "rejected", cause: "The server refused the message itself (nodemailer EMESSAGE).", fix: "policy", transient: false, source: "nodemailer" },
  EPROTOCOL: { cat: "server", cause: "The server did not speak SMTP as expected (nodemailer EPROTOCOL): often a wrong port.", fix: "protocol", transient: false, source: "nodemailer" },
  ESTREAM: { cat: "rejected", cause: "The message could not be read or built (nodemailer ESTREAM).", fix: "content", transient: false, source: "nodemailer" },
  // Node TLS
  ERR_TLS_CERT_ALTNAME_INVALID: { cat: "ssl", cause: "The server's certificate is for another host name.", fix: "certName", transient: false, source: NODE },
  ERR_TLS_HANDSHAKE_TIMEOUT: { cat: "ssl", cause: "The TLS handshake did not finish in time: often SSL/TLS against a port that expects STARTTLS (or the reverse).", fix: "tlsRequired", transient: false, source: NODE },
  ERR_TLS_INVALID_PROTOCOL_VERSION: { cat: "ssl", cause: "An invalid TLS protocol version was set.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_TLS_PROTOCOL_VERSION_CONFLICT: { cat: "ssl", cause: "Conflicting TLS version limits were set.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_TLS_DH_PARAM_SIZE: { cat: "ssl", cause: "The server offered weak Diffie-Hellman parameters.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_TLS_RENEGOTIATION_DISABLED: { cat: "ssl", cause: "The server tried to renegotiate TLS, which is disabled.", fix: "tlsProtocol", transient: false, source: NODE },
  ERR_SSL_WRONG_VERSION_NUMBER: { cat: "ssl", cause: "TLS met a plain-text answer: SSL/TLS was used on a port that starts unencrypted (STARTTLS, usually 587 or 25).", fix: "tlsRequired", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_PACKET_LENGTH_TOO_LONG: { cat: "ssl", cause: "TLS met a plain-text answer: SSL/TLS was used on a port that starts unencrypted.", fix: "tlsRequired", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_UNSUPPORTED_PROTOCOL: { cat: "ssl", cause: "The server only speaks a TLS version this computer no longer allows.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: { cat: "ssl", cause: "The server refused this TLS version.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: { cat: "ssl", cause: "No TLS version is allowed on both sides.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: { cat: "ssl", cause: "The server ended the TLS handshake: no common TLS version or cipher.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_DH_KEY_TOO_SMALL: { cat: "ssl", cause: "The server's Diffie-Hellman key is too small to be trusted.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_EE_KEY_TOO_SMALL: { cat: "ssl", cause: "The server's certificate key is too small to be trusted.", fix: "certUntrusted", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_CA_MD_TOO_WEAK: { cat: "ssl", cause: "The server's certificate is signed with a digest too weak to be trusted (MD5/SHA-1).", fix: "certUntrusted", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: { cat: "ssl", cause: "The server does not trust the certificate it was shown.", fix: "certUntrusted", transient: false, source: "OpenSSL via Node" },
  ERR_SSL_UNEXPECTED_EOF_WHILE_READING: { cat: "ssl", cause: "The server closed the connection in the middle of the TLS handshake.", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" },
  // OpenSSL X509 verification results, as Node puts them in err.code
  CERT_HAS_EXPIRED: { cat: "ssl", cause: "The server's certificate has expired.", fix: "certDates", transient: false, source: X509 },
  CERT_NOT_YET_VALID: { cat: "ssl", cause: "The server's certificate is not valid yet (or this computer's clock is wrong).", fix: "certDates", transient: false, source: X509 },
  ERROR_IN_CERT_NOT_BEFORE_FIELD: { cat: "ssl", cause: "The server's certificate has an invalid start date.", fix: "certDates", transient: false, source: X509 },
  ERROR_IN_CERT_NOT_AFTER_FIELD: { cat: "ssl", cause: "The server's certificate has an invalid end date.", fix: "certDates", transient: false, source: X509 },
  CERT_REVOKED: { cat: "ssl", cause: "The server's certificate was revoked by its issuer.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_UNTRUSTED: { cat: "ssl", cause: "The server's certificate is not trusted for this purpose.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_REJECTED: { cat: "ssl", cause: "The server's certificate was rejected.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_SIGNATURE_FAILURE: { cat: "ssl", cause: "The server's certificate signature does not verify.", fix: "certUntrusted", transient: false, source: X509 },
  CERT_CHAIN_TOO_LONG: { cat: "ssl", cause: "The server's certificate chain is too long.", fix: "certUntrusted", transient: false, source: X509 },
  DEPTH_ZERO_SELF_SIGNED_CERT: { cat: "ssl", cause: "The server's certificate is self-signed.", fix: "certUntrusted", transient: false, source: X509 },
  SELF_SIGNED_CERT_IN_CHAIN: { cat: "ssl", cause: "The server's certificate chain ends in a self-signed CA this computer does not trust (often a company CA or an antivirus scanning mail).", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_GET_ISSUER_CERT: { cat: "ssl", cause: "The issuer of the server's certificate is unknown here.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { cat: "ssl", cause: "The CA that signed the server's certificate is not trusted on this computer.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { cat: "ssl", cause: "The server sent its certificate without the intermediate CA, so it cannot be verified.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: { cat: "ssl", cause: "The server's certificate signature cannot be read.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: { cat: "ssl", cause: "The issuer key of the server's certificate cannot be read.", fix: "certUntrusted", transient: false, source: X509 },
  UNABLE_TO_GET_CRL: { cat: "ssl", cause: "The revocation list for the server's certificate could not be obtained.", fix: "certUntrusted", transient: false, source: X509 },
  INVALID_CA: { cat: "ssl", cause: "A CA certificate in the chain is invalid.", fix: "certUntrusted", transient: false, source: X509 },
  PATH_LENGTH_EXCEEDED: { cat: "ssl", cause: "The certificate chain is longer than its CA allows.", fix: "certUntrusted", transient: false, source: X509 },
  INVALID_PURPOSE: { cat: "ssl", cause: "The server's certificate is not for use by a server.", fix: "certUntrusted", transient: false, source: X509 },
  HOSTNAME_MISMATCH: { cat: "ssl", cause: "The server's certificate is for another host name.", fix: "certName", transient: false, source: X509 },
  // NSS (Thunderbird, Firefox)
  SEC_ERROR_UNKNOWN_ISSUER: { cat: "ssl", cause: "The server's certificate is signed by a CA this computer does not trust.", fix: "certUntrusted", transient: false, source: NSS },
  SEC_ERROR_EXPIRED_CERTIFICATE: { cat: "ssl", cause: "The server's certificate has expired.", fix: "certDates", transient: false, source: NSS },
  SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE: { cat: "ssl", cause: "The CA certificate that signed the server's certificate has expired.", fix: "certDates", transient: false, source: NSS },
  SSL_ERROR_BAD_CERT_DOMAIN: { cat: "ssl", cause: "The server's certificate is for another host name.", fix: "certName", transient: false, source: NSS },
  MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT: { cat: "ssl", cause: "The server's certificate is self-signed.", fix: "certUntrusted", transient: false, source: NSS },
  SSL_ERROR_RX_RECORD_TOO_LONG: { cat: "ssl", cause: "TLS met a plain-text answer: SSL/TLS was used on a port that starts unencrypted (STARTTLS).", fix: "tlsRequired", transient: false, source: NSS },
  SSL_ERROR_NO_CYPHER_OVERLAP: { cat: "ssl", cause: "The client and the server have no TLS cipher in common.", fix: "tlsProtocol", transient: false, source: NSS },
  SSL_ERROR_UNSUPPORTED_VERSION: { cat: "ssl", cause: "The server only speaks a TLS version that is no longer allowed.", fix: "tlsProtocol", transient: false, source: NSS },
  // Outlook and Windows Mail print HRESULTs, often with nothing else that says what failed.
  // 0x800CCC78 ("Cannot send the message") and 0x800CCC67 are left out: their meaning is the server reply beside them.
  // 0x800CCC0F alone is left out too: Outlook also shows it when the client or a mail
  // scanner breaks the connection; its words ("connection ... was interrupted") are a row.
  "0x800CCC0D": { cat: "server", cause: "Outlook cannot find the server (0x800CCC0D): its name does not resolve.", fix: "dnsName", transient: false, source: OUTLOOK },
  "0x800CCC0E": { cat: "server", cause: "Outlook cannot connect to the server (0x800CCC0E): a wrong host or port, or a firewall or antivirus blocking it.", fix: "wrongServer", transient: false, source: OUTLOOK },
  "0x800CCC13": { cat: "server", cause: "Outlook cannot connect to the network (0x800CCC13).", fix: "unreachable", transient: true, source: OUTLOOK },
  "0x800CCC1A": { cat: "ssl", cause: "The server does not support the encryption type set (0x800CCC1A): SSL/TLS and STARTTLS do not match the port.", fix: "tlsProtocol", transient: false, source: OUTLOOK },
  "0x800CCC92": { cat: "auth", cause: "The mail server rejected the login (0x800CCC92).", fix: "login", transient: false, source: OUTLOOK },
  "0x80042108": { cat: "server", cause: "Outlook cannot connect to the incoming (POP3/IMAP) server (0x80042108).", fix: "wrongServer", transient: false, source: OUTLOOK },
  "0x80042109": { cat: "server", cause: "Outlook cannot connect to the outgoing (SMTP) server (0x80042109): a wrong host or port, or a firewall or the provider blocking the port.", fix: "wrongServer", transient: false, source: OUTLOOK },
  "0x8004210A": { cat: "server", cause: "The receiving (POP3) server did not answer in time (0x8004210A).", fix: "unreachable", transient: true, source: OUTLOOK },
  "0x8004210B": { cat: "server", cause: "The sending (SMTP) server did not answer in time (0x8004210B).", fix: "unreachable", transient: true, source: OUTLOOK },
  // libcurl result codes (curl's exit status, PHP "cURL error N"), named as in curl/curl.h.
  CURLE_COULDNT_RESOLVE_HOST: { cat: "server", cause: "The server name does not resolve (curl 6).", fix: "dnsName", transient: false, source: CURL },
  CURLE_COULDNT_CONNECT: { cat: "server", cause: "Nothing answered on that host and port (curl 7).", fix: "wrongServer", transient: false, source: CURL },
  CURLE_OPERATION_TIMEDOUT: { cat: "server", cause: "The server did not answer in time (curl 28).", fix: "unreachable", transient: true, source: CURL },
  CURLE_SSL_CONNECT_ERROR: { cat: "ssl", cause: "The TLS handshake failed (curl 35): often SSL/TLS and STARTTLS do not match the port.", fix: "tlsProtocol", transient: false, source: CURL },
  CURLE_GOT_NOTHING: { cat: "server", cause: "The server closed the connection without answering (curl 52).", fix: "unreachable", transient: true, source: CURL },
  CURLE_RECV_ERROR: { cat: "server", cause: "Reading the server's answer failed (curl 56): the connection was reset or dropped.", fix: "unreachable", transient: true, source: CURL },
  CURLE_SSL_CERTPROBLEM: { cat: "ssl", cause: "The client certificate could not be used (curl 58).", fix: "tlsProtocol", transient: false, source: CURL },
  CURLE_SSL_CIPHER: { cat: "ssl", cause: "No usable TLS cipher (curl 59).", fix: "tlsProtocol", transient: false, source: CURL },
  CURLE_PEER_FAILED_VERIFICATION: { cat: "ssl", cause: "The server's certificate could not be verified (curl 60).", fix: "certUntrusted", transient: false, source: CURL },
  CURLE_USE_SSL_FAILED: { cat: "ssl", cause: "TLS was required but the server does not offer it (curl 64).", fix: "tlsRequired", transient: false, source: CURL },
  CURLE_LOGIN_DENIED: { cat: "auth", cause: "The server refused the login (curl 67).", fix: "login", transient: false, source: CURL },
  CURLE_SSL_CACERT_BADFILE: { cat: "ssl", cause: "The CA certificate file given could not be read (curl 77).", fix: "certUntrusted", transient: false, source: CURL },
  // Schannel (Windows TLS) HRESULTs, printed without their SEC_E_ names.
  "0x80090322": { cat: "ssl", cause: "The server's certificate is for another host name (SEC_E_WRONG_PRINCIPAL).", fix: "certName", transient: false, source: SCHANNEL },
  "0x80090325": { cat: "ssl", cause: "The server's certificate is signed by a CA this computer does not trust (SEC_E_UNTRUSTED_ROOT).", fix: "certUntrusted", transient: false, source: SCHANNEL },
  "0x80090326": { cat: "ssl", cause: "The TLS handshake received a message it did not expect (SEC_E_ILLEGAL_MESSAGE): often SSL/TLS and STARTTLS do not match the port.", fix: "tlsProtocol", transient: false, source: SCHANNEL },
  "0x80090328": { cat: "ssl", cause: "The server's certificate has expired (SEC_E_CERT_EXPIRED).", fix: "certDates", transient: false, source: SCHANNEL },
  "0x80090331": { cat: "ssl", cause: "Client and server have no TLS version or cipher in common (SEC_E_ALGORITHM_MISMATCH).", fix: "tlsProtocol", transient: false, source: SCHANNEL },
};

/** Families of codes not listed one by one. */
export const ERRNO_FAMILIES: ReadonlyArray<readonly [RegExp, ErrnoRow & { source: string }]> = [
  [/^ERR_SSL_/, { cat: "ssl", cause: "The TLS handshake failed (OpenSSL error).", fix: "tlsProtocol", transient: false, source: "OpenSSL via Node" }],
  [/^ERR_TLS_/, { cat: "ssl", cause: "The TLS connection failed (Node TLS error).", fix: "tlsProtocol", transient: false, source: NODE }],
  [/^(CERT_|UNABLE_TO_|CRL_|X509_V_ERR_)/, { cat: "ssl", cause: "The server's certificate could not be verified.", fix: "certUntrusted", transient: false, source: X509 }],
  [/^(SEC_ERROR_|SSL_ERROR_|MOZILLA_PKIX_ERROR_)/, { cat: "ssl", cause: "The secure connection failed (NSS error).", fix: "certUntrusted", transient: false, source: NSS }],
];

// ---------------------------------------------------------------------------
// HTTP status codes, by what was being talked to.

export type HttpRow = readonly [SignalCategory, FixKey, string];

export const HTTP: Record<HttpContext | "any", Record<number, HttpRow>> = {
  ews: {
    400: ["rejected", "policy", "Exchange refused the request (HTTP 400 Bad Request)."],
    401: ["auth", "ewsAuth", "Exchange refused the login (HTTP 401 Unauthorized): wrong user name or password, or password login is off (Exchange Online)."],
    403: ["auth", "ewsAuth", "Exchange refused access (HTTP 403 Forbidden): EWS is turned off for the account, or the account may not use it."],
    404: ["server", "ewsUrl", "No EWS at that address (HTTP 404 Not Found): the EWS URL is wrong."],
    405: ["server", "ewsUrl", "That address does not take EWS requests (HTTP 405): the EWS URL is wrong."],
    413: ["rejected", "size", "The message is larger than Exchange accepts (HTTP 413)."],
    440: ["auth", "ewsAuth", "Exchange says the login session expired (HTTP 440 Login Timeout)."],
  },
  graph: {
    400: ["rejected", "policy", "Microsoft Graph refused the message (HTTP 400 Bad Request): a recipient or a part of the message is invalid."],
    401: ["oauth", "reconnect", "Microsoft Graph did not accept the access token (HTTP 401): it expired or was revoked."],
    403: ["oauth", "reconnect", "Microsoft Graph refused the call (HTTP 403): the app was not granted Mail.Send, or the mailbox may not send."],
    404: ["rejected", "sender", "Microsoft Graph does not find the mailbox (HTTP 404): the sender address has no Exchange Online mailbox."],
    413: ["rejected", "size", "The message is larger than Microsoft Graph accepts (HTTP 413)."],
  },
  oauth: {
    400: ["oauth", "reconnect", "The sign-in service refused the token request (HTTP 400): the grant expired, was revoked or is not valid."],
    401: ["oauth", "reconnect", "The sign-in service did not accept the app's credentials (HTTP 401 invalid_client)."],
    403: ["oauth", "reconnect", "The sign-in service refused access (HTTP 403)."],
    404: ["server", "wrongServer", "The sign-in address does not exist (HTTP 404): the tenant or the token URL is wrong."],
  },
  gmail: {
    400: ["rejected", "policy", "The Gmail API refused the message (HTTP 400): a header, a recipient or the account's state is invalid."],
    401: ["oauth", "reconnect", "The Gmail API did not accept the access token (HTTP 401): it expired or was revoked."],
    403: ["oauth", "reconnect", "The Gmail API refused the call (HTTP 403): a scope was not granted, or the API is not enabled for the project."],
    404: ["rejected", "sender", "The Gmail API does not find the account or item (HTTP 404)."],
    413: ["rejected", "size", "The message is larger than the Gmail API accepts (HTTP 413)."],
  },
  any: {
    400: ["rejected", "policy", "The server refused the request (HTTP 400 Bad Request)."],
    401: ["auth", "login", "The server refused the login (HTTP 401 Unauthorized)."],
    403: ["auth", "login", "The server refused access (HTTP 403 Forbidden)."],
    404: ["server", "wrongServer", "Nothing at that address (HTTP 404 Not Found): the URL is wrong."],
    405: ["server", "wrongServer", "That address does not take this request (HTTP 405)."],
    407: ["server", "unreachable", "A proxy between here and the server wants a login (HTTP 407)."],
    413: ["rejected", "size", "The message is larger than the server accepts (HTTP 413)."],
  },
};

export const HTTP_SOURCE: Record<HttpContext | "any", string> = {
  ews: "RFC 9110 status code from Exchange Web Services",
  graph: "RFC 9110 status code from Microsoft Graph",
  oauth: "RFC 6749 / RFC 9110 status code from the OAuth token endpoint",
  gmail: "RFC 9110 status code from the Gmail API",
  any: "RFC 9110 HTTP status code",
};

/** curl prints its result code as a number: "curl: (56) ...", PHP "cURL error 28: ...". */
export const CURL_CODES: Record<number, string> = {
  6: "CURLE_COULDNT_RESOLVE_HOST",
  7: "CURLE_COULDNT_CONNECT",
  28: "CURLE_OPERATION_TIMEDOUT",
  35: "CURLE_SSL_CONNECT_ERROR",
  52: "CURLE_GOT_NOTHING",
  56: "CURLE_RECV_ERROR",
  58: "CURLE_SSL_CERTPROBLEM",
  59: "CURLE_SSL_CIPHER",
  60: "CURLE_PEER_FAILED_VERIFICATION",
  64: "CURLE_USE_SSL_FAILED",
  67: "CURLE_LOGIN_DENIED",
  77: "CURLE_SSL_CACERT_BADFILE",
};
