import { UsageError } from "../errors.js";
import { hostnameProblem } from "./fields.js";

/** The checks of what connect-microsoft is given: the app registration's client id and the tenant. */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CLIENT_ID_HINT =
  "Give --client-id with the Application (client) ID from the Overview page of the Entra app registration " +
  "(e.g. 11111111-2222-3333-4444-555555555555), or save it once: mailcfg config set microsoft-client-id <id>.";

/**
 * An Entra Application (client) ID is a GUID. What was given is not echoed when it is
 * not one: a client secret pasted by mistake (Entra secrets contain `~`) must not end up
 * in the output or in a log.
 */
export function checkMicrosoftClientId(value: string, field: string): string {
  const v = value.trim();
  if (!GUID.test(v)) {
    const looksSecret = v.includes("~") || v.length >= 34;
    throw new UsageError(
      `${field}: ${looksSecret ? "that looks like a client secret, not" : "not"} an Application (client) ID (a GUID).`,
      CLIENT_ID_HINT,
    );
  }
  return v.toLowerCase();
}

export const DEFAULT_TENANT = "organizations";

/**
 * A tenant as the Microsoft identity platform takes it in its URLs: `organizations`
 * (any work or school account, the default), `common`, the Directory (tenant) ID, or
 * one of the tenant's domains (contoso.onmicrosoft.com, contoso.com).
 */
export function checkTenant(value: string, field: string): string {
  const v = value.trim().toLowerCase();
  if (v === "organizations" || v === "common" || GUID.test(v)) return v;
  if (v === "consumers") {
    throw new UsageError(
      `${field}: consumers is for personal Microsoft accounts (outlook.com); connect-microsoft connects Microsoft 365 work or school mailboxes.`,
      "Use organizations (the default), the Directory (tenant) ID, or the tenant's domain.",
    );
  }
  if (v.includes(".") && !hostnameProblem(v)) return v;
  throw new UsageError(
    `${field}: "${value.slice(0, 80)}" is not a tenant.`,
    "Give the Directory (tenant) ID (a GUID, on the app registration's Overview page), a domain of the tenant such as contoso.onmicrosoft.com, or organizations.",
  );
}
