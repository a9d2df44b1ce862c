import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pollDeviceToken, requestDeviceCode, SLOW_DOWN_STEP_MS } from "../../src/oauth/device-code.js";
import { microsoftClientConfig, microsoftEndpoints } from "../../src/oauth/microsoft.js";
import { FAKE_MS_CLIENT_ID, startFakeMicrosoft, type FakeMicrosoft } from "../helpers/fake-microsoft.js";

let ms: FakeMicrosoft;
beforeEach(async () => {
  ms = await startFakeMicrosoft();
});
afterEach(async () => {
  await ms.close();
});

/** The real endpoints of the fake, and a sleep that records each wait and returns at once. */
function rig() {
  const endpoints = microsoftEndpoints(ms.env(), "organizations");
  const client = microsoftClientConfig(FAKE_MS_CLIENT_ID, endpoints, "graph");
  const waits: number[] = [];
  const o = { timeoutMs: 5000, reconnect: "mailcfg connect-microsoft company --via graph --device-code", sleep: async (ms: number) => void waits.push(ms) };
  return { endpoints, client, waits, o };
}

describe("device code polling (RFC 8628 as Microsoft runs it)", () => {
  it("waits the interval given, keeps polling on authorization_pending, adds 5 s for good on each slow_down", async () => {
    ms.deviceInterval = 5;
    ms.devicePolls = ["pending", "slow_down", "pending", "slow_down", "approve"];
    const { endpoints, client, waits, o } = rig();
    const d = await requestDeviceCode(client, endpoints.deviceCodeUrl, o);
    expect(d).toMatchObject({ verification_uri: "https://microsoft.com/devicelogin", interval: 5, expires_in: 900 });
    const tokens = await pollDeviceToken(client, d, o);
    expect(tokens.refresh_token).toMatch(/fake-refresh/);
    expect(waits).toEqual([5000, 5000, 5000 + SLOW_DOWN_STEP_MS, 5000 + SLOW_DOWN_STEP_MS, 5000 + 2 * SLOW_DOWN_STEP_MS]);
  });

  it("stops when the code's lifetime is over even if Microsoft still says pending", async () => {
    ms.deviceInterval = 5;
    ms.deviceExpiresIn = 12;
    const { endpoints, client, o } = rig();
    let t = 0;
    const clock = { ...o, now: () => t, sleep: async (w: number) => void (t += w) };
    const d = await requestDeviceCode(client, endpoints.deviceCodeUrl, clock);
    await expect(pollDeviceToken(client, d, clock)).rejects.toMatchObject({ category: "oauth", details: { code: "expired_token", next: o.reconnect } });
    expect(t).toBe(15000);
  });

  it("an unknown client at the devicecode endpoint is an oauth failure with the AADSTS reading", async () => {
    const endpoints = microsoftEndpoints(ms.env(), "organizations");
    const client = microsoftClientConfig("11111111-2222-3333-4444-555555555555", endpoints, "graph");
    await expect(requestDeviceCode(client, endpoints.deviceCodeUrl, { timeoutMs: 5000 })).rejects.toMatchObject({
      category: "oauth",
      details: { code: "AADSTS700016" },
    });
  });
});
