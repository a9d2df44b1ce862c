import { resolve } from "node:path";
import type { Context } from "../context.js";
import type { ProviderSettings } from "../config/types.js";
import type { MailError } from "../errors.js";
import type { Remedy } from "../failures/facts.js";
import { SECURITY_WORDS } from "../failures/remedy.js";
import type { ProviderFlags } from "./flow.js";
import { settingsAsFlags } from "../config/settings-flags.js";
import { readCaFiles } from "../tls/ca-files.js";

/**
 * What the wizard does after a failed validation: try again with the verdict's remedy
 * applied (one key), edit every field, or stop. Nothing is saved until a round passes.
 */
export type Recovery = { kind: "retry"; flags: ProviderFlags; caFiles?: string[] } | { kind: "stop" };

/**
 * The flags a retry runs with. `keepPassword`: use the password typed before without
 * asking; `retypePassword`: ask it again; `edit`: ask every question, with what was
 * typed before as the default; `retypeDefault`: in an edit, offer to type the password
 * again first (after an authentication failure).
 */
export interface RecoveryFlags {
  keepPassword?: boolean;
  retypePassword?: boolean;
  edit?: boolean;
  retypeDefault?: boolean;
}

/** Saved settings as the flags that would give them: a retry asks only what a remedy leaves open. */
function flagsOf(s: ProviderSettings): ProviderFlags {
  return Object.fromEntries(settingsAsFlags(s).filter(([, v]) => v !== undefined && v !== ""));
}

interface Offer {
  /** The one-line question, with the verdict's reason. */
  question: string;
  /** The choice that applies it. */
  label: string;
  apply(ctx: Context): Promise<Recovery>;
}

/** A failed validation as an offer sees it: the remedy, the settings tried, as flags too. */
interface Failed {
  r: Remedy;
  s: ProviderSettings;
  err: MailError;
  caFiles: string[] | undefined;
  base: ProviderFlags;
}

/** A retry with the same settings changed as given, keeping the password typed before. */
function retry(f: Failed, changes: ProviderFlags): Offer["apply"] {
  return async () => ({ kind: "retry", flags: { ...f.base, ...changes, keepPassword: true } });
}

/** The remedies in the order they are offered: the first that applies is the one offer. */
const OFFERS: Array<{ when: (r: Remedy) => boolean; offer: (f: Failed) => Offer }> = [
  {
    when: (r) => r.reconnect === "microsoft",
    offer: ({ s }) => ({
      question: "Microsoft 365 no longer takes a password here. Connect with Microsoft (OAuth) instead?",
      label: "Connect with Microsoft (OAuth) and try again",
      apply: async () => ({ kind: "retry", flags: { type: "webmail", preset: "microsoft-oauth", email: s.email } }),
    }),
  },
  {
    when: (r) => r.reconnect === "gmail",
    offer: ({ s }) => ({
      question: "The Google connection needs to be made again. Connect with Google now?",
      label: "Connect with Google and try again",
      apply: async () => ({ kind: "retry", flags: { type: "gmail", email: s.email } }),
    }),
  },
  { when: (r) => !!r.security || r.port !== undefined, offer: switchPortOrSecurity },
  {
    when: (r) => !!r.ca,
    offer: ({ base, caFiles }) => ({
      question: "The certificate is signed by a CA this computer does not trust. Give the CA file (PEM)?",
      label: "Give the CA file (PEM) and try again",
      apply: async (ctx) => ({ kind: "retry", flags: { ...base, keepPassword: true }, caFiles: await askCaFile(ctx, caFiles, true) }),
    }),
  },
  {
    when: (r) => !!r.username,
    offer: ({ r, base }) => ({
      question: `The server may want the full address as the login name. Use ${r.username}?`,
      label: `Log in as ${r.username} and try again`,
      apply: async () => ({ kind: "retry", flags: { ...base, username: r.username, ...(r.password ? { retypePassword: true } : { keepPassword: true }) } }),
    }),
  },
  {
    when: (r) => !!r.servername,
    offer: (f) => ({
      question: `The certificate is for ${f.r.servername}, not for the address connected to. Check it against ${f.r.servername}?`,
      label: `Check the certificate against ${f.r.servername} and try again`,
      apply: retry(f, { tlsServername: f.r.servername }),
    }),
  },
  {
    when: (r) => !!r.host,
    offer: (f) => ({
      question: `The certificate is for ${f.r.host}. Connect to ${f.r.host} instead?`,
      label: `Connect to ${f.r.host} and try again`,
      apply: retry(f, { host: f.r.host }),
    }),
  },
  {
    when: (r) => !!r.password,
    offer: ({ base }) => ({
      question: "The server refused the login. Type the password again?",
      label: "Type the password again",
      apply: async () => ({ kind: "retry", flags: { ...base, retypePassword: true } }),
    }),
  },
];

/** The remedy as the wizard offers it. */
function offerFor(r: Remedy, s: ProviderSettings, err: MailError, caFiles: string[] | undefined): Offer | undefined {
  const row = OFFERS.find((o) => o.when(r));
  return row?.offer({ r, s, err, caFiles, base: flagsOf(s) });
}

/** Another port, another security, or both; the question names only what changes. */
function switchPortOrSecurity(f: Failed): Offer {
  const { r, s, err } = f;
  const port = s.type === "webmail" ? s.port : undefined;
  const newPort = r.port ?? port;
  const how = r.security ? SECURITY_WORDS[r.security] : undefined;
  const what = [r.port !== undefined && r.port !== port ? `port ${r.port}` : undefined, how].filter(Boolean).join(" with ");
  return {
    question: `${firstSentence(err.message)} Switch to ${what} and try again?`,
    label: `Switch to ${what} and try again`,
    apply: retry(f, { ...(newPort !== undefined ? { port: String(newPort) } : {}), ...(r.security ? { security: r.security } : {}) }),
  };
}

function firstSentence(message: string): string {
  const text = message.replace(/^[^\s:]+:\d+: /, "");
  const m = /^.*?[.!?](\s|$)/.exec(text);
  return (m?.[0] ?? text).trim();
}

/**
 * After a failed validation on a terminal: the remedy first (the default), then editing
 * every field, then stopping. An authentication failure offers the password first.
 */
export async function chooseRecovery(ctx: Context, err: MailError, s: ProviderSettings, caFiles: string[] | undefined): Promise<Recovery> {
  const offer = err.details.remedy ? offerFor(err.details.remedy, s, err, caFiles) : undefined;
  type Choice = "remedy" | "edit" | "stop";
  const choices: Array<{ name: string; value: Choice }> = [
    ...(offer ? [{ name: offer.label, value: "remedy" as const }] : []),
    { name: "Edit the settings (every field, the password, a CA file)", value: "edit" },
    { name: "Stop without saving", value: "stop" },
  ];
  const choice = await ctx.prompt.select<Choice>({
    message: offer?.question ?? "Validation failed. Edit the settings and try again?",
    choices,
    default: choices[0]?.value ?? "edit",
  });
  if (choice === "stop") return { kind: "stop" };
  if (choice === "remedy" && offer) return offer.apply(ctx);
  const ca = s.type === "gmail" ? caFiles : await askCaFile(ctx, caFiles, false);
  return {
    kind: "retry",
    flags: { type: s.type, edit: true, ...(err.category === "auth" ? { retypeDefault: true } : {}) },
    ...(ca ? { caFiles: ca } : {}),
  };
}

/** A CA file to trust (PEM), checked before it is used; empty keeps what there is. */
async function askCaFile(ctx: Context, current: string[] | undefined, required: boolean): Promise<string[] | undefined> {
  const typed = await ctx.prompt.text({
    message: required ? "CA certificate file (PEM)" : "CA certificate file to trust (PEM; Enter for none)",
    default: current?.[0] ?? "",
    validate: (v) => {
      if (v.trim() === "") return required ? "Give the path of the CA certificate (PEM)" : true;
      try {
        readCaFiles([v.trim()]);
        return true;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
  });
  if (typed.trim() === "") return current;
  return [resolve(typed.trim())];
}
