import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseClientConfig } from "../../src/discovery/config-xml.js";
import { ispdbLookup } from "../../src/discovery/ispdb.js";

const smtp = (inner: string) => `<clientConfig version="1.1"><emailProvider id="x.test"><domain>x.test</domain>
<outgoingServer type="smtp">${inner}</outgoingServer></emailProvider></clientConfig>`;
const good = "<hostname>smtp.x.test</hostname><port>587</port><socketType>STARTTLS</socketType><authentication>password-cleartext</authentication>";

describe("reading ISPDB / autoconfig documents: placeholders are checked, broken entries skipped", () => {
  it.each([
    ["the broken %EMAILADDRESS placeholder (no closing %)", `${good}<username>%EMAILADDRESS</username>`, /username "%EMAILADDRESS"/],
    ["an unknown placeholder", `${good}<username>%EMAILUSER%</username>`, /unknown or broken placeholder/],
    ["an empty hostname", "<hostname></hostname><port>587</port><socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>", /empty hostname/],
    ["a hostname with a stray %", "<hostname>smtp.%DOMAIN%</hostname><port>587</port><socketType>STARTTLS</socketType><authentication>password-cleartext</authentication>", /not a host name/],
    ["a port out of range", "<hostname>smtp.x.test</hostname><port>0</port><socketType>SSL</socketType><authentication>password-cleartext</authentication>", /port "0"/],
    ["an unknown socketType", "<hostname>smtp.x.test</hostname><port>25</port><socketType>TLS</socketType><authentication>password-cleartext</authentication>", /socketType "TLS"/],
    ["no usable authentication", "<hostname>smtp.x.test</hostname><port>25</port><socketType>plain</socketType><authentication>none</authentication>", /no password or OAuth2/],
  ])("skips %s", (_name, inner, why) => {
    const config = parseClientConfig(smtp(inner));
    expect(config?.outgoing).toEqual([]);
    expect(config?.skipped.join()).toMatch(why);
  });

  it("keeps good entries: %EMAILDOMAIN% in the host, the login name form, OAuth2 and password", () => {
    const config = parseClientConfig(
      smtp("<hostname>smtp.%EMAILDOMAIN%</hostname><port>465</port><socketType>SSL</socketType><username>%EMAILLOCALPART%</username><authentication>OAuth2</authentication><authentication>password-encrypted</authentication>"),
    );
    expect(config?.outgoing).toEqual([{ hostname: "smtp.%EMAILDOMAIN%", port: 465, socketType: "SSL", username: "localpart", auth: ["oauth2", "password"] }]);
  });

  it("the vendored table has the outgoing servers of real entries", () => {
    expect(ispdbLookup("googlemail.com")?.servers[0]).toMatchObject({ hostname: "smtp.gmail.com", port: 465, socketType: "SSL", username: "address" });
    expect(ispdbLookup("office365.com")?.servers[0]).toMatchObject({ hostname: "smtp.office365.com", socketType: "STARTTLS", auth: ["oauth2"] });
    // ISPDB entries whose only server is unusable are left out (iijmio-mail.jp: %EMAILLOCALPART%.%EMAILDOMAIN%).
    expect(ispdbLookup("iijmio-mail.jp")).toBeUndefined();
  });

  it("ships the licence and the source commit beside the table", () => {
    const dir = join(import.meta.dirname, "../../src/discovery/ispdb");
    expect(readFileSync(join(dir, "LICENSE"), "utf8")).toMatch(/Mozilla Public License Version 2\.0/);
    const table = JSON.parse(readFileSync(join(dir, "ispdb.generated.json"), "utf8")) as { commit: string };
    expect(readFileSync(join(dir, "SOURCE-COMMIT"), "utf8")).toContain(table.commit);
  });

  const source = "/work/shared/ispdb";
  it.runIf(existsSync(join(source, "ispdb")))("is what scripts/gen-ispdb.mjs makes from the ISPDB folder today (run it after updating the folder)", async () => {
    const { generate } = await import("../../scripts/gen-ispdb.mjs");
    const { text } = await generate(source);
    expect(readFileSync(join(import.meta.dirname, "../../src/discovery/ispdb/ispdb.generated.json"), "utf8")).toBe(text);
  });
});

describe("recognising the provider from the MX host", () => {
  it.each([
    ["acme-com.mail.protection.outlook.com", ["mail.protection.outlook.com", "outlook.com"]],
    ["aspmx.l.google.com.", ["l.google.com", "google.com"]],
    ["mx1.ovh.net", ["ovh.net"]],
    ["mx.mail.example.co.uk", ["mail.example.co.uk", "example.co.uk"]],
  ])("%s: the host minus its first label, then its base domain", async (host, expected) => {
    const { mxDomains } = await import("../../src/discovery/candidates.js");
    expect(mxDomains(host)).toEqual(expected);
  });
});
