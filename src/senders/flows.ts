import type { ServiceType } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { SetupFlow } from "./flow.js";
import { webmailFlow } from "./webmail.js";
import { gmailFlow } from "./gmail.js";
import { exchangeFlow } from "./exchange.js";

/** The service types the wizard offers, in the product's order. Add a flow here. */
export const SETUP_FLOWS: Record<ServiceType, SetupFlow> = {
  webmail: webmailFlow,
  exchange: exchangeFlow,
  gmail: gmailFlow,
};

export function parseServiceType(value: string): ServiceType {
  if (value === "webmail" || value === "exchange" || value === "gmail") return value;
  throw new UsageError(`--type: "${value}" is not one of webmail, exchange, gmail.`);
}

export function flowFor(type: ServiceType): SetupFlow {
  return SETUP_FLOWS[type];
}
