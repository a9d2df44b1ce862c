import type { Context } from "../context.js";
import type { Owner, ProviderSettings, ServiceType } from "../config/types.js";

/** Flag values of `setup` and ad hoc `validate`, as commander parsed them (strings). */
export interface ProviderFlags {
  type?: string;
  preset?: string;
  host?: string;
  port?: string;
  security?: string;
  email?: string;
  username?: string;
  ewsUrl?: string;
  domain?: string;
  loginForm?: string;
  passwordStdin?: boolean;
  [other: string]: unknown;
}

/** What a flow collected: settings for the profile and the secret that goes with them. */
export interface Collected {
  settings: ProviderSettings;
  secret?: string;
  /** The secret is the saved profile's (an edit), not one typed in this run. */
  secretSaved?: boolean;
}

/**
 * How one service type gathers its settings, from flags first and, on a terminal,
 * from questions for the rest. `previous` holds what was typed before a failed
 * validation (or the saved profile), offered as defaults so nothing is typed twice.
 */
export interface SetupFlow {
  type: ServiceType;
  /** The product's name for the choice, shown in the wizard. */
  label: string;
  collect(ctx: Context, flags: ProviderFlags, previous: Partial<Collected> | undefined, owner?: Owner): Promise<Collected>;
  /** Printed before validation (e.g. the Exchange Online warning). */
  warnings?(settings: ProviderSettings): string[];
}
