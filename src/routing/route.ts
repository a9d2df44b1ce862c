import type { AppSettings, Owner, Profile, ServiceType } from "../config/types.js";
import { NotConfiguredError } from "../errors.js";
import { GROUP_REASONS, type DocKind } from "./catalogue.js";

/** The saved senders routing chooses from. */
export interface SavedProfiles {
  company?: Pick<Profile, "type" | "email">;
  users: Readonly<Record<string, Pick<Profile, "type" | "email"> | undefined>>;
}

export type RouteSettings = Pick<AppSettings, "ship-confirmation-sender">;

/** Why a user rule ended at the Company Email. */
export type FallbackReason = "no-acting-user" | "no-user-email";

export interface RouteDecision {
  kind: string;
  kindName: string;
  /** Which sender sends it. */
  sender: "company" | "user";
  /** The acting user, when one was given (also for company documents). */
  user: string | null;
  /** The address it is sent from. */
  email: string;
  /** The saved profile that sends it. */
  profile: { owner: Owner; type: ServiceType };
  /** The rule that applied, in words. */
  rule: string;
  /** True when a user rule fell back to the Company Email. */
  fallback: boolean;
  fallbackReason?: FallbackReason;
  /** One or two plain sentences: who sends it, and why. */
  explanation: string[];
}

/**
 * Which sender sends a document: a pure function of the kind, the acting user, the
 * saved profiles and the app settings. Throws NotConfiguredError when the answer is
 * the Company Email and none is set up.
 */
export function route(kind: DocKind, actingUser: string | undefined, profiles: SavedProfiles, settings: RouteSettings): RouteDecision {
  const { wantsUser, rule } = ruleFor(kind, settings);
  const user = actingUser ?? null;
  const base = { kind: kind.id, kindName: kind.name, user, rule };

  if (wantsUser) {
    const userProfile = actingUser === undefined ? undefined : (Object.hasOwn(profiles.users, actingUser) ? profiles.users[actingUser] : undefined);
    if (actingUser !== undefined && userProfile) {
      return {
        ...base,
        sender: "user",
        email: userProfile.email,
        profile: { owner: { kind: "user", id: actingUser }, type: userProfile.type },
        fallback: false,
        explanation: [`${kind.name} is sent from the User Email of ${actingUser} (${userProfile.email}): ${rule}.`],
      };
    }
    const fallbackReason: FallbackReason = actingUser === undefined ? "no-acting-user" : "no-user-email";
    const why =
      actingUser === undefined
        ? "no acting user was given (--user, MAILCFG_USER or the default-user setting)"
        : `${actingUser} has no User Email set up`;
    const company = companyOr(profiles, `${kind.name} would fall back to the Company Email because ${why}, but no Company Email is set up.`);
    return {
      ...fromCompany(base, company),
      fallback: true,
      fallbackReason,
      explanation: [
        `${kind.name} is normally sent from the acting user's User Email: ${rule}.`,
        `Because ${why}, the Company Email (${company.email}) sends it instead.`,
      ],
    };
  }

  const company = companyOr(profiles, `${kind.name} is sent from the Company Email, and no Company Email is set up.`);
  return { ...fromCompany(base, company), fallback: false, explanation: [`${kind.name} is sent from the Company Email (${company.email}): ${rule}.`] };
}

type SavedProfile = NonNullable<SavedProfiles["company"]>;

/** The Company Email, or NotConfiguredError saying why it was needed. */
function companyOr(profiles: SavedProfiles, missing: string): SavedProfile {
  if (!profiles.company) throw new NotConfiguredError(missing, "mailcfg setup company");
  return profiles.company;
}

/** The part of a decision that says the Company Email sends. */
function fromCompany<B>(base: B, company: SavedProfile) {
  return { ...base, sender: "company" as const, email: company.email, profile: { owner: { kind: "company" as const }, type: company.type } };
}

/** Whether the kind wants the user's sender, and the rule in words. */
function ruleFor(kind: DocKind, settings: RouteSettings): { wantsUser: boolean; rule: string } {
  switch (kind.rule.kind) {
    case "company":
      return { wantsUser: false, rule: GROUP_REASONS[kind.group] };
    case "user":
      return { wantsUser: true, rule: GROUP_REASONS[kind.group] };
    case "app-setting": {
      const value = settings[kind.rule.setting];
      const by = value === "user" ? "the acting user's User Email" : "the Company Email";
      return {
        wantsUser: value === "user",
        rule: `the app setting ${kind.rule.setting} is ${value}, so it is sent from ${by} (change it with: mailcfg config set ${kind.rule.setting} company|user)`,
      };
    }
  }
}

/** The rule of a kind in a few words, without profiles: for tables and help. */
export function ruleWords(kind: DocKind, settings: RouteSettings): string {
  if (kind.rule.kind === "company") return "company";
  if (kind.rule.kind === "user") return "user (company if none)";
  return `${kind.rule.setting}: ${settings[kind.rule.setting]}`;
}
