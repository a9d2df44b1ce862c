import { describe, expect, it } from "vitest";
import { isIP } from "node:net";
import { ipVersion } from "../../src/util/ip.js";

describe("ipVersion agrees with node:net's isIP", () => {
  it.each([
    "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "01.2.3.4", "::1", "::", "fe80::1", "2001:db8::8a2e:370:7334",
    "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "::ffff:192.0.2.1", "1::2::3", "gggg::1", "smtp.office365.com", "localhost", "", "12345::",
  ])("%s", (host) => {
    expect(ipVersion(host)).toBe(isIP(host));
  });
});
