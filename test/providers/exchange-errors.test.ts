import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/errors.js";
import { classifyEwsFailure } from "../../src/providers/exchange-errors.js";
import { escapeXmlText, soapErrorOf } from "../../src/providers/ews-facts.js";
import { errorToJson } from "../../src/ui/render.js";

const onPrem = { ewsUrl: "https://mail.acme.com/EWS/Exchange.asmx", email: "sales@acme.com", domain: "acme.com", username: "jdoe" };
const online = { ...onPrem, ewsUrl: "https://outlook.office365.com/EWS/Exchange.asmx" };
const PASSWORD = "fake-password-123";

describe("classifying a failed EWS exchange (no network)", () => {
  it("explains a 401 from outlook.office365.com with the EWS shutdown, not a mistyped password", () => {
    const e = classifyEwsFailure({ operation: "GetFolder", httpStatus: 401, statusText: "Unauthorized" }, online, PASSWORD);
    expect(e.category).toBe("auth");
    expect(EXIT_CODES[e.category]).toBe(3);
    expect(e.details.provider).toBe("Exchange Online");
    expect(e.message).toContain("not a mistyped password");
    expect(e.message).toContain("2022");
    expect(e.message).toContain("2026-10-01");
    expect(e.message).toContain("2027-04-01");
    expect(e.hint).toContain("--via graph");
    // The wizard and the follow-up command offer the move: connect with Microsoft.
    expect(e.details.remedy).toEqual({ reconnect: "microsoft" });
    expect(e.details.transient).toBe(false);
    expect(e.details.evidence).toContain("HTTP 401");
  });

  it("explains the same 401 from an on-premises server as a wrong sign-in, naming the form sent", () => {
    const e = classifyEwsFailure({ operation: "GetFolder", httpStatus: 401, wwwAuthenticate: 'Basic realm="mail"' }, onPrem, PASSWORD);
    expect(e.category).toBe("auth");
    expect(e.details.provider).toBe("Exchange");
    expect(e.message).toContain("acme.com\\jdoe");
    expect(e.message).not.toContain("2027");
    expect(e.hint).toContain("--login-form upn");
  });

  it("says when the server does not offer Basic sign-in at all", () => {
    const e = classifyEwsFailure({ operation: "GetFolder", httpStatus: 401, wwwAuthenticate: "Negotiate, NTLM" }, onPrem);
    expect(e.category).toBe("auth");
    expect(e.message).toContain("does not accept Basic");
  });

  it.each([
    ["ErrorSendAsDenied", "rejected", 6, "refused to send as sales@acme.com"],
    ["ErrorNonExistentMailbox", "rejected", 6, "no mailbox for sales@acme.com"],
    ["ErrorAccessDenied", "auth", 3, "denied the account acme.com\\jdoe access"],
    ["ErrorInvalidUserPrincipalName", "auth", 3, "could not match the sign-in name acme.com\\jdoe"],
    ["ErrorQuotaExceeded", "rejected", 6, "mailbox is full"],
    ["ErrorServerBusy", "server", 4, "busy"],
    ["ErrorSomethingNew", "rejected", 6, "refused the request: ErrorSomethingNew"],
  ])("ResponseCode %s is %s (exit %i)", (code, category, exit, words) => {
    const e = classifyEwsFailure({ operation: "CreateItem", httpStatus: 200, responseCode: code, messageText: "text from Exchange" }, onPrem);
    expect(e.category).toBe(category);
    expect(EXIT_CODES[e.category]).toBe(exit);
    expect(e.message).toContain(words);
    expect(e.details.code).toBe(code);
    expect(e.details.evidence).toContain(`ResponseCode ${code}`);
    expect(e.details.evidence).toContain('MessageText "text from Exchange"');
  });

  it("suggests the other login form for ErrorInvalidUserPrincipalName", () => {
    const upn = { ...onPrem, loginForm: "upn" as const };
    expect(classifyEwsFailure({ operation: "GetFolder", responseCode: "ErrorInvalidUserPrincipalName" }, upn).hint).toContain("--login-form domain");
    expect(classifyEwsFailure({ operation: "GetFolder", responseCode: "ErrorInvalidUserPrincipalName" }, onPrem).hint).toContain("--login-form upn");
  });

  it.each([
    ["ECONNREFUSED", "server"],
    ["ENOTFOUND", "server"],
    ["EAI_AGAIN", "server"],
    ["ETIMEDOUT", "server"],
    ["ECONNABORTED", "server"],
    ["ECONNRESET", "server"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "ssl"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ssl"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "ssl"],
    ["CERT_HAS_EXPIRED", "ssl"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "ssl"],
    ["EPROTO", "ssl"],
  ])("socket/TLS code %s is %s", (code, category) => {
    const e = classifyEwsFailure({ operation: "GetFolder", networkCode: code, message: `something ${code}` }, onPrem);
    expect(e.category).toBe(category);
    expect(e.message).toContain("mail.acme.com");
    expect(e.details.evidence).toContain(code);
  });

  it.each([
    [403, "auth"],
    [404, "server"],
    [302, "server"],
    [503, "server"],
  ])("HTTP %i without a SOAP answer is %s", (status, category) => {
    expect(classifyEwsFailure({ operation: "GetFolder", httpStatus: status }, onPrem).category).toBe(category);
  });

  it("never shows the password, even when the server echoes it", () => {
    const e = classifyEwsFailure(
      { operation: "CreateItem", httpStatus: 500, responseCode: "ErrorInternalServerError", messageText: `bad login ${PASSWORD}` },
      onPrem,
      PASSWORD,
    );
    expect(JSON.stringify(errorToJson(e))).not.toContain(PASSWORD);
    expect(e.details.evidence).toContain("****");
  });
});

describe("SOAP helpers", () => {
  it("escapes &, < and > and drops characters XML cannot carry", () => {
    expect(escapeXmlText("Fish & Chips <b>1 > 0</b>\u0007")).toBe("Fish &amp; Chips &lt;b&gt;1 &gt; 0&lt;/b&gt;");
    expect(escapeXmlText("tab\tnew\nline")).toBe("tab\tnew\nline");
  });

  it("reads ResponseCode and MessageText from an error response message", () => {
    const xml =
      '<s:Envelope xmlns:s="x"><s:Body><m:GetFolderResponse><m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Error">' +
      "<m:MessageText>The SMTP address has no mailbox &amp; more.</m:MessageText><m:ResponseCode>ErrorNonExistentMailbox</m:ResponseCode>" +
      "</m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>";
    expect(soapErrorOf(xml)).toEqual({ responseCode: "ErrorNonExistentMailbox", messageText: "The SMTP address has no mailbox & more." });
  });

  it("skips messages that succeeded", () => {
    const xml =
      '<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:CreateItemResponseMessage>' +
      '<m:CreateItemResponseMessage ResponseClass="Error"><m:MessageText>no</m:MessageText><m:ResponseCode>ErrorQuotaExceeded</m:ResponseCode></m:CreateItemResponseMessage>';
    expect(soapErrorOf(xml).responseCode).toBe("ErrorQuotaExceeded");
    expect(soapErrorOf('<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:CreateItemResponseMessage>')).toEqual({});
  });

  it("reads a SOAP fault", () => {
    const xml =
      '<s:Envelope><s:Body><s:Fault><faultcode xmlns:a="t">a:ErrorSchemaValidation</faultcode><faultstring xml:lang="en-US">The request failed schema validation.</faultstring>' +
      '<detail><e:ResponseCode xmlns:e="e">ErrorSchemaValidation</e:ResponseCode><e:Message xmlns:e="e">The request failed schema validation: bad &amp;.</e:Message></detail></s:Fault></s:Body></s:Envelope>';
    expect(soapErrorOf(xml)).toEqual({ responseCode: "ErrorSchemaValidation", messageText: "The request failed schema validation: bad &." });
    expect(soapErrorOf("<html>Service Unavailable</html>")).toEqual({});
    expect(soapErrorOf(undefined)).toEqual({});
  });
});
