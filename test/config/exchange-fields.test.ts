import { describe, expect, it } from "vitest";
import { MailError, EXIT_CODES } from "../../src/errors.js";
import {
  DEFAULT_EWS_URL,
  checkEwsUrl,
  checkExchangeDomain,
  checkExchangeUsername,
  exchangeLoginName,
  isExchangeOnlineHost,
  isExchangeOnlineUrl,
  isLoopbackHost,
  judgeDomain,
  loginFormOf,
  parseLoginForm,
} from "../../src/config/exchange-fields.js";

describe("Exchange domain format (company.com)", () => {
  it.each([
    ["company.com", "company.com"],
    ["acme.co.uk", "acme.co.uk"],
    ["ACME.COM", "acme.com"],
    ["  acme.com  ", "acme.com"],
    ["corp.acme.local", "corp.acme.local"],
    ["my-company.de", "my-company.de"],
  ])("accepts %j as %j", (typed, saved) => {
    expect(checkExchangeDomain(typed)).toBe(saved);
  });

  it.each([
    // typed, a word of the problem, the suggestion (undefined: none is obvious)
    ["COMPANY\\jdoe", "DOMAIN\\user", undefined],
    ["acme.com\\jdoe", "user name", "acme.com"],
    ["company", "no dot", undefined],
    ["https://company.com", "URL", "company.com"],
    ["https://mail.acme.com/EWS/Exchange.asmx", "URL", "mail.acme.com"],
    ["@company.com", "starts with @", "company.com"],
    ["company.com/", "slash", "company.com"],
    ["jdoe@acme.com", "email address", "acme.com"],
    ["acme .com", "spaces", "acme.com"],
    [".acme.com", "dot", "acme.com"],
    ["acme.com.", "dot", "acme.com"],
    ["192.168.1.10", "IP address", undefined],
    ["acme..com", "characters", undefined],
    ["acme_corp.com", "characters", undefined],
    ["acme.123", "top-level", undefined],
    ["", "empty", undefined],
  ])("refuses %j (%s), suggesting %j", (typed, problemWord, suggestion) => {
    const verdict = judgeDomain(typed);
    expect(verdict.value).toBeUndefined();
    expect(verdict.problem).toContain(problemWord);
    expect(verdict.suggestion).toBe(suggestion);

    let err: unknown;
    try {
      checkExchangeDomain(typed);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MailError);
    const e = err as MailError;
    expect(e.category).toBe("domain");
    expect(EXIT_CODES[e.category]).toBe(2);
    // Names what was typed and the expected form; the fix carries the suggestion.
    expect(e.message).toContain(`"${typed}"`);
    expect(e.message).toContain("company.com");
    if (suggestion) expect(e.hint).toBe(`Use --domain ${suggestion}.`);
  });

  it("tells where the user part of DOMAIN\\user goes", () => {
    expect(judgeDomain("COMPANY\\jdoe").problem).toContain('put "jdoe" in the user name');
  });
});

describe("user name and login form", () => {
  it("refuses DOMAIN\\user in --username and names the part to keep", () => {
    expect(() => checkExchangeUsername("ACME\\jdoe")).toThrowError(/includes the domain/);
    try {
      checkExchangeUsername("ACME\\jdoe");
    } catch (e) {
      expect((e as MailError).category).toBe("usage");
      expect((e as MailError).hint).toContain("--username jdoe");
    }
  });

  it("keeps a plain user name and a UPN", () => {
    expect(checkExchangeUsername(" jdoe ")).toBe("jdoe");
    expect(checkExchangeUsername("jdoe@acme.com")).toBe("jdoe@acme.com");
  });

  it.each([
    [{ domain: "acme.com", username: "jdoe" }, "acme.com\\jdoe", "domain"],
    [{ domain: "acme.com", username: "jdoe", loginForm: "domain" as const }, "acme.com\\jdoe", "domain"],
    [{ domain: "acme.com", username: "jdoe", loginForm: "upn" as const }, "jdoe@acme.com", "upn"],
    // A user name with @ is already a UPN: sent as typed, whatever the domain.
    [{ domain: "acme.com", username: "j.doe@acme-corp.com" }, "j.doe@acme-corp.com", "upn"],
  ])("%j signs in as %s", (s, login, form) => {
    expect(exchangeLoginName(s)).toBe(login);
    expect(loginFormOf(s)).toBe(form);
  });

  it("parses --login-form", () => {
    expect(parseLoginForm("upn")).toBe("upn");
    expect(parseLoginForm("domain")).toBe("domain");
    expect(parseLoginForm("netbios")).toBe("domain");
    expect(() => parseLoginForm("ntlm")).toThrowError(/not one of domain, upn/);
  });
});

describe("EWS URL", () => {
  it("accepts https and keeps the product's default as is", () => {
    expect(checkEwsUrl(DEFAULT_EWS_URL)).toEqual({ url: DEFAULT_EWS_URL, warnings: [] });
    expect(checkEwsUrl("https://mail.acme.com/ews/exchange.asmx").warnings).toEqual([]);
  });

  it("allows plain http only to this computer", () => {
    expect(checkEwsUrl("http://127.0.0.1:8080/EWS/Exchange.asmx").url).toBe("http://127.0.0.1:8080/EWS/Exchange.asmx");
    expect(checkEwsUrl("http://[::1]:8080/EWS/Exchange.asmx").warnings).toEqual([]);
    expect(checkEwsUrl("http://localhost/EWS/Exchange.asmx").warnings).toEqual([]);
    expect(() => checkEwsUrl("http://mail.acme.com/EWS/Exchange.asmx")).toThrowError(/plain http/);
    try {
      checkEwsUrl("http://mail.acme.com/EWS/Exchange.asmx");
    } catch (e) {
      expect((e as MailError).category).toBe("usage");
      expect((e as MailError).hint).toBe("Use https, e.g. https://mail.acme.com/EWS/Exchange.asmx");
    }
  });

  it("warns, without refusing, when the path is not /EWS/Exchange.asmx", () => {
    const v = checkEwsUrl("https://mail.acme.com/owa/");
    expect(v.url).toBe("https://mail.acme.com/owa/");
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toContain("https://mail.acme.com/EWS/Exchange.asmx");
  });

  it.each([
    ["mail.acme.com", /not a URL/],
    ["ftp://mail.acme.com/EWS/Exchange.asmx", /not an http\(s\) URL/],
    ["https://jdoe:secret@mail.acme.com/EWS/Exchange.asmx", /user name or password/],
  ])("refuses %j", (typed, why) => {
    expect(() => checkEwsUrl(typed)).toThrowError(why);
  });

  it("suggests the whole URL for a bare host name", () => {
    try {
      checkEwsUrl("mail.acme.com");
    } catch (e) {
      expect((e as MailError).hint).toBe("Give the whole address, e.g. https://mail.acme.com/EWS/Exchange.asmx");
    }
  });

  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["[::1]", true],
    ["localhost", true],
    ["10.0.0.1", false],
    ["mail.acme.com", false],
    ["127.0.0.1.nip.io", false],
  ])("loopback %s: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe("is the host Exchange Online?", () => {
  it.each([
    ["outlook.office365.com", true],
    ["OUTLOOK.OFFICE365.COM", true],
    ["outlook.office365.com.", true],
    ["outlook.office.com", true],
    ["pod51045.outlook.com", true],
    ["outlook.office365.us", true],
    ["partner.outlook.cn", true],
    ["mail.acme.com", false],
    ["exchange.acme.local", false],
    ["outlook.acme.com", false],
    ["office365.com.evil.example", false],
    ["127.0.0.1", false],
  ])("%s: %s", (host, online) => {
    expect(isExchangeOnlineHost(host)).toBe(online);
  });

  it("reads the host out of a URL", () => {
    expect(isExchangeOnlineUrl(DEFAULT_EWS_URL)).toBe(true);
    expect(isExchangeOnlineUrl("https://mail.acme.com/EWS/Exchange.asmx")).toBe(false);
    expect(isExchangeOnlineUrl("not a url")).toBe(false);
  });
});
