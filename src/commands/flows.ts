import type { ServiceType } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { SetupFlow } from "./setup-flow.js";
import { webmailFlow } from "./setup-webmail.js";
import { exchangeFlow } from "./setup-exchange.js";

/** The service types the wizard offers, in the product's order. Add a flow here. */
export const SETUP_FLOWS: Record<ServiceType, SetupFlow | undefined> = {
  webmail: webmailFlow,
  exchange: exchangeFlow,
  gmail: undefined,
};

export const SERVICE_LABELS: Record<ServiceType, string> = {
  webmail: "Webmail (SMTP)",
  exchange: "Exchange (EWS)",
  gmail: "Email Services (Gmail, connect with Google)",
};

/** Why a type cannot be set up in this build, and what does it instead. */
const NOT_YET: Record<ServiceType, string> = {
  webmail: "",
  exchange: "",
  gmail: "Email Services (Gmail) is connected with: mailcfg connect-gmail company|user <id> (not available in this release yet); meanwhile use Webmail with smtp.gmail.com and an App Password.",
};

export function parseServiceType(value: string): ServiceType {
  if (value === "webmail" || value === "exchange" || value === "gmail") return value;
  throw new UsageError(`--type: "${value}" is not one of webmail, exchange, gmail.`);
}

export function flowFor(type: ServiceType): SetupFlow {
  const flow = SETUP_FLOWS[type];
  if (!flow) throw new UsageError(NOT_YET[type]);
  return flow;
}
