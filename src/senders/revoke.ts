import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { senderKind, type SenderKind } from "../config/sender-kinds.js";

/** What removing a profile did about the credential at the provider: revoked, or where to withdraw it. */
export interface RevocationReport {
  revoked: boolean;
  detail: string;
  /** What the person still has to do, if anything. */
  todo?: string;
}

type Revoke = (ctx: Context, owner: Owner, profile: Profile, secret: string | undefined) => Promise<RevocationReport>;

/** A password cannot be withdrawn from here: it stays valid at its server. */
const keepsPassword: Revoke = async (_ctx, owner) => ({
  revoked: false,
  detail: "a password cannot be revoked from here",
  todo: `The saved password is deleted here; it still works at ${owner.kind === "company" ? "the" : "that"} mail server until it is changed there.`,
});

/** Microsoft has no revocation of one refresh token: say where the app's consent is withdrawn. */
const microsoftConsent: Revoke = async (_ctx, _owner, profile) => ({
  revoked: false,
  detail: "Microsoft has no revocation of a single refresh token",
  todo:
    `The saved token is deleted here. To withdraw the app's access, ${profile.email} removes it at https://myapps.microsoft.com ` +
    "(or an admin: Entra admin center > Enterprise applications > the app > Permissions, or revokes the user's sessions). " +
    `An unused refresh token expires after 90 days.`,
});

/** Google revokes a refresh token on request; when it cannot, the permissions page is where to do it. */
const revokeAtGoogle: Revoke = async (ctx, _owner, profile, secret) => {
  const { GOOGLE_PERMISSIONS_PAGE, revokeGoogleToken } = await import("../oauth/revoke.js");
  const manual = `Withdraw mailcfg's access by hand at ${GOOGLE_PERMISSIONS_PAGE} (signed in as ${profile.email}).`;
  if (secret === undefined) return { revoked: false, detail: "no refresh token was saved, so there was nothing to revoke", todo: manual };
  const { decodeGoogleCredential } = await import("../oauth/google.js");
  const timeoutMs = (await ctx.config()).settings()["connect-timeout-seconds"] * 1000;
  const r = await revokeGoogleToken(ctx.env, decodeGoogleCredential(secret).refreshToken, timeoutMs);
  return r.revoked ? r : { ...r, todo: manual };
};

const REVOCATION: Record<SenderKind, Revoke> = {
  smtp: keepsPassword,
  exchange: keepsPassword,
  "microsoft-smtp": microsoftConsent,
  "microsoft-graph": microsoftConsent,
  gmail: revokeAtGoogle,
};

/** Withdraws a removed profile's credential at its provider where that can be done, and says what is left. */
export function revokeAtProvider(ctx: Context, owner: Owner, profile: Profile, secret: string | undefined): Promise<RevocationReport> {
  return REVOCATION[senderKind(profile)](ctx, owner, profile, secret);
}
