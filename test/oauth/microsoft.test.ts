import { describe, expect, it } from "vitest";
import { microsoftEndpoints, hasSmtpSend, checkSendScope, MICROSOFT_ADVICE } from "../../src/oauth/microsoft.js";
import { oauthFailure } from "../../src/oauth/errors.js";
import { checkMicrosoftClientId, checkTenant } from "../../src/config/microsoft-fields.js";
import { MailError } from "../../src/errors.js";

function thrown(f: () => unknown): MailError {
  try {
    f();
  } catch (err) {
    if (err instanceof MailError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

describe("Microsoft endpoints", () => {
  it("default to login.microsoftonline.com with the tenant in the path", () => {
    expect(microsoftEndpoints({}, "contoso.onmicrosoft.com")).toEqual({
      authUrl: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
      tokenUrl: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
      deviceCodeUrl: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode",
    });
  });

  it("take overrides with {tenant} filled in; plain http only on loopback", () => {
    const env = {
      MAILCFG_MICROSOFT_TOKEN_URL: "http://127.0.0.1:9/{tenant}/token",
      MAILCFG_MICROSOFT_AUTH_URL: "https://login.example.org/{tenant}/auth",
      MAILCFG_MICROSOFT_DEVICE_CODE_URL: "http://[::1]:9/{tenant}/devicecode",
    };
    expect(microsoftEndpoints(env, "organizations")).toEqual({
      authUrl: "https://login.example.org/organizations/auth",
      tokenUrl: "http://127.0.0.1:9/organizations/token",
      deviceCodeUrl: "http://[::1]:9/organizations/devicecode",
    });
    const e = thrown(() => microsoftEndpoints({ MAILCFG_MICROSOFT_AUTH_URL: "http://login.example.org/auth" }, "organizations"));
    expect(e.category).toBe("usage");
    expect(e.message).toMatch(/MAILCFG_MICROSOFT_AUTH_URL/);
  });
});

describe("AADSTS numbers", () => {
  const ctx = (stage: "consent" | "code-exchange" | "refresh") => ({ provider: "Microsoft", stage, advice: MICROSOFT_ADVICE });

  it("replace the general explanation, and the same number reads differently for a code and a saved token", () => {
    const d = "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.";
    const saved = oauthFailure("invalid_grant", d, ctx("refresh"));
    expect(saved.category).toBe("oauth");
    expect(saved.details.code).toBe("AADSTS70008");
    expect(saved.message).toMatch(/saved Microsoft connection expired/);
    const code = oauthFailure("invalid_grant", d, ctx("code-exchange"));
    expect(code.message).toMatch(/sign-in code expired/);
    expect(code.hint).toMatch(/within a few minutes/);
  });

  it("a single-tenant app used with organizations (AADSTS50194) asks for --tenant", () => {
    const e = oauthFailure("invalid_request", "AADSTS50194: Application 'x' is not configured as a multi-tenant application.", ctx("consent"));
    expect(e.details.code).toBe("AADSTS50194");
    expect(e.hint).toMatch(/--tenant/);
  });

  it("an unknown number keeps the general explanation and Microsoft's advice for the OAuth code", () => {
    const e = oauthFailure("invalid_grant", "AADSTS99999999: Something new.", ctx("refresh"));
    expect(e.details.code).toBe("invalid_grant");
    expect(e.message).toMatch(/expired or been revoked/);
    expect(e.hint).toMatch(/90 days/);
    expect(e.details.evidence).toContain("AADSTS99999999");
  });
});

describe("fields", () => {
  it("a client id is a GUID; a pasted secret is refused without echoing it", () => {
    expect(checkMicrosoftClientId(" 0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9 ", "--client-id")).toBe("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
    const e = thrown(() => checkMicrosoftClientId("Xy8Q~fake-secret-value-abcdefghijklmno", "--client-id"));
    expect(e.message).toMatch(/client secret/);
    expect(e.message).not.toContain("Xy8Q~");
  });

  it("a tenant is organizations, common, a GUID or a domain; consumers and junk are refused", () => {
    expect(checkTenant("Organizations", "--tenant")).toBe("organizations");
    expect(checkTenant("contoso.com", "--tenant")).toBe("contoso.com");
    expect(checkTenant("7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d", "--tenant")).toBe("7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d");
    expect(thrown(() => checkTenant("consumers", "--tenant")).message).toMatch(/personal Microsoft accounts/);
    expect(thrown(() => checkTenant("contoso/../x", "--tenant")).category).toBe("usage");
  });

  it("SMTP.Send is recognised in Microsoft's scope answers", () => {
    expect(hasSmtpSend("https://outlook.office.com/SMTP.Send")).toBe(true);
    expect(hasSmtpSend("openid https://outlook.office.com/smtp.send profile")).toBe(true);
    expect(hasSmtpSend("https://outlook.office.com/Mail.Send")).toBe(false);
  });

  it("a token without the permission its transport sends with is an oauth error naming that permission and its consent step", () => {
    expect(() => checkSendScope("https://graph.microsoft.com/Mail.Send openid", "graph", undefined)).not.toThrow();
    expect(() => checkSendScope("https://outlook.office.com/SMTP.Send", "smtp", undefined)).not.toThrow();
    const graph = thrown(() => checkSendScope("https://outlook.office.com/SMTP.Send", "graph", "mailcfg connect-microsoft company --via graph"));
    expect(graph.category).toBe("oauth");
    expect(graph.message).toMatch(/with Microsoft Graph \(Mail\.Send\)/);
    expect(graph.details.hint).toMatch(/Microsoft Graph > Delegated > Mail\.Send/);
    expect(graph.details.next).toBe("mailcfg connect-microsoft company --via graph");
    const smtp = thrown(() => checkSendScope("https://graph.microsoft.com/Mail.Send", "smtp", undefined));
    expect(smtp.message).toMatch(/over SMTP \(SMTP\.Send\)/);
    expect(smtp.details.hint).toMatch(/Exchange Online .* SMTP\.Send/);
  });
});
