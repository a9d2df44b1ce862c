import type { ExchangeSettings, GmailSettings, ProviderSettings, ServiceType, WebmailSettings } from "./types.js";

/** A provider flag by its option name (commander's: tlsServername is --tls-servername), and its value. */
export type SettingFlag = readonly [name: string, value: string | undefined];

/**
 * Settings as the provider flags that would give them, in the order a command line
 * shows them: one row per service type. The wizard retries from them, and the commands
 * printed after a failure are made of them.
 */
const AS_FLAGS: { [T in ServiceType]: (s: Extract<ProviderSettings, { type: T }>) => SettingFlag[] } = {
  webmail: (s: WebmailSettings) => [
    ["type", "webmail"],
    ["host", s.host],
    ["port", String(s.port)],
    ["security", s.security],
    ["email", s.email],
    ["username", s.username],
    ["tlsServername", s.servername],
  ],
  exchange: (s: ExchangeSettings) => [
    ["type", "exchange"],
    ["ewsUrl", s.ewsUrl],
    ["domain", s.domain],
    ["username", s.username],
    ["email", s.email],
    ["loginForm", s.loginForm],
  ],
  gmail: (s: GmailSettings) => [
    ["type", "gmail"],
    ["email", s.email],
  ],
};

export function settingsAsFlags(s: ProviderSettings): SettingFlag[] {
  return (AS_FLAGS[s.type] as (s: ProviderSettings) => SettingFlag[])(s);
}

/** A flag's name on the command line: tlsServername is --tls-servername. */
export function flagWord(name: string): string {
  return "--" + name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}
