import type { ProviderSettings } from "../config/types.js";
import { exchangeLoginName } from "../config/exchange-fields.js";

/** One line naming where a profile sends from and through what. */
export function describeSettings(s: ProviderSettings): string {
  switch (s.type) {
    case "webmail": {
      if (s.transport === "graph") return `${s.email} via Microsoft Graph (OAuth)`;
      const sec = s.security === "tls" ? "implicit TLS" : s.security === "starttls" ? "STARTTLS" : "no TLS";
      const how = s.auth === "oauth2-microsoft" ? ", OAuth" : "";
      return `${s.email} via ${s.host}:${s.port} (${sec}${how})`;
    }
    case "exchange":
      return `${s.email} via Exchange ${s.ewsUrl} as ${exchangeLoginName(s)}`;
    case "gmail":
      return `${s.email} via the Gmail API`;
  }
}

export function serverOf(s: ProviderSettings): string {
  switch (s.type) {
    case "webmail":
      return s.transport === "graph" ? "Microsoft Graph" : `${s.host}:${s.port}`;
    case "exchange":
      return s.ewsUrl;
    case "gmail":
      return "Gmail API";
  }
}
