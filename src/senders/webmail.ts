import { isIP } from "node:net";
import type { Context } from "../context.js";
import type { Owner, Security, WebmailSettings } from "../config/types.js";
import { UsageError } from "../errors.js";
import { checkHost, checkPort, checkSecurity, hostnameProblem } from "../config/fields.js";
import { WEBMAIL_PRESETS, defaultSecurityForPort, isGmailHost, isMicrosoftHost, type WebmailPreset } from "../providers/presets.js";
import type { Collected, ProviderFlags, SetupFlow } from "./flow.js";
import { passwordKeepingPrevious } from "./input.js";
import { collectMicrosoftOAuth, type MicrosoftFlags } from "./microsoft-oauth.js";
import { askEmail } from "./ask-email.js";

export const webmailFlow: SetupFlow = {
  type: "webmail",
  label: "Webmail (SMTP)",
  collect: collectWebmail,
  warnings(settings) {
    const s = settings as WebmailSettings;
    const out: string[] = [];
    if (isMicrosoftHost(s.host) && (s.auth ?? "password") === "password") {
      out.push(
        "Microsoft 365 with a password uses SMTP basic authentication, disabled by default for existing tenants from the end of December 2026 (MC786329). Plan to move this profile to OAuth (mailcfg connect-microsoft).",
      );
    }
    if (s.security === "none") out.push("Security is none: the password and mail cross the network unencrypted.");
    if (s.security === "tls" && s.port === 587) out.push("Port 587 normally uses STARTTLS, not implicit TLS (--security starttls).");
    if (s.security === "starttls" && s.port === 465) out.push("Port 465 normally uses implicit TLS (--security tls).");
    return out;
  },
};

function presetById(id: string): WebmailPreset {
  const p = WEBMAIL_PRESETS.find((x) => x.id === id);
  if (!p) throw new UsageError(`--preset: "${id}" is not one of ${WEBMAIL_PRESETS.map((x) => x.id).join(", ")}.`);
  return p;
}

/**
 * The server, address, port and security, each from its flag, a question or the saved
 * profile; the rarer fields when editing; then the password. A Microsoft sign-in preset
 * (given, chosen, or the saved profile's) hands over to the OAuth connection instead.
 */
async function collectWebmail(ctx: Context, f: ProviderFlags, previous: Partial<Collected> | undefined, owner?: Owner): Promise<Collected> {
  const prev = previous?.settings?.type === "webmail" ? previous.settings : undefined;
  const preset = await webmailPreset(ctx, f, prev);
  const signIn = microsoftSignIn(preset);
  if (signIn) return collectMicrosoftOAuth(ctx, { ...f, ...signIn }, previous, owner);

  const host = await askHost(ctx, f, prev, preset);
  if (ctx.io.canPrompt && !f.host) hostNote(ctx, host);
  const email = await askEmail(ctx, f.email, prev?.email, "Missing --email (the sender address, also the login name).");
  const { port, security } = await askPortAndSecurity(ctx, f, prev, preset);
  const settings: WebmailSettings = { type: "webmail", email, host, port, security, auth: "password" };
  await askRarerFields(ctx, f, prev, settings);

  const secret = await passwordKeepingPrevious(ctx, f, previous, prev?.host === host, { message: passwordQuestion(host) });
  if (secret === undefined) {
    throw new UsageError("No password given.", "Pipe it with --password-stdin or set MAILCFG_PASSWORD.");
  }
  // Still the saved password: a later round (after a failed validation) knows it as such.
  return { settings, secret, ...(previous?.secretSaved && secret === previous.secret ? { secretSaved: true } : {}) };
}

/** --preset; else the saved OAuth profile's; else, on a terminal with nothing to go by, the one chosen from the list. */
async function webmailPreset(ctx: Context, f: ProviderFlags, prev: WebmailSettings | undefined): Promise<WebmailPreset | undefined> {
  if (f.preset) return presetById(f.preset);
  // A profile connected with OAuth is connected again, unless flags ask for another server.
  if (!f.host && prev?.auth === "oauth2-microsoft") return presetById(prev.transport === "graph" ? "microsoft-graph" : "microsoft-oauth");
  if (f.host !== undefined || prev || !ctx.io.canPrompt) return undefined;
  return ctx.prompt.select<WebmailPreset>({
    message: "Outgoing mail server",
    choices: WEBMAIL_PRESETS.map((p) => ({ name: p.name, value: p })),
  });
}

async function askHost(ctx: Context, f: ProviderFlags, prev: WebmailSettings | undefined, preset: WebmailPreset | undefined): Promise<string> {
  if (f.host !== undefined) return checkHost(f.host);
  if (preset?.host) return preset.host;
  if (!ctx.io.canPrompt) {
    if (prev?.host) return prev.host;
    throw new UsageError("Missing --host (the outgoing mail server), e.g. --host smtp.office365.com or --preset microsoft.");
  }
  return checkHost(
    await ctx.prompt.text({
      message: "Outgoing mail server (SMTP host)",
      ...(prev?.host ? { default: prev.host } : {}),
      validate: (v) => (hostnameProblem(v.trim()) ? "Give a host name such as smtp.example.com" : true),
    }),
  );
}

/** On a terminal, a server not given by flag gets the Gmail or Microsoft note (App Passwords; the end of password sign-in for SMTP). */
function hostNote(ctx: Context, host: string): void {
  const note = isGmailHost(host) ? presetById("gmail").note : isMicrosoftHost(host) ? presetById("microsoft").note : undefined;
  if (note) ctx.io.err.write(ctx.theme.warn("note: ") + note + "\n");
}

/** The port, asked unless --security was given; then the security, the usual one for the port by default. */
async function askPortAndSecurity(ctx: Context, f: ProviderFlags, prev: WebmailSettings | undefined, preset: WebmailPreset | undefined): Promise<{ port: number; security: Security }> {
  const ask = ctx.io.canPrompt;
  // An empty --port or --security is refused, not taken to mean the default.
  const securityFlag = f.security !== undefined ? checkSecurity(f.security) : undefined;
  let port: number;
  if (f.port !== undefined) port = checkPort(f.port);
  else if (ask && !securityFlag) {
    port = checkPort(
      await ctx.prompt.text({
        message: "Port",
        default: String(prev?.port ?? preset?.port ?? 587),
        validate: (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? true : "A port number, usually 587"),
      }),
    );
  } else port = prev?.port ?? (securityFlag === "tls" ? 465 : 587);

  if (securityFlag) return { port, security: securityFlag };
  if (ask) return { port, security: await askSecurity(ctx, port, prev?.port === port ? prev.security : undefined) };
  return { port, security: prev?.security ?? defaultSecurityForPort(port) };
}

/**
 * Editing after a failed validation asks the rarer fields too: the login name and,
 * for a server given by IP address, the name its certificate is checked against.
 */
async function askRarerFields(ctx: Context, f: ProviderFlags, prev: WebmailSettings | undefined, settings: WebmailSettings): Promise<void> {
  const { email, host } = settings;
  const edit = f.edit === true && ctx.io.canPrompt;
  const username =
    f.username ??
    (edit
      ? (await ctx.prompt.text({ message: "Login name (Enter: the email address)", default: prev?.username ?? email })).trim() || email
      : prev?.username);
  if (username && username !== email) settings.username = username;
  const savedName = prev?.host === host ? prev?.servername : undefined;
  const servername =
    typeof f.tlsServername === "string"
      ? checkHost(f.tlsServername)
      : edit && isIP(host)
        ? (await ctx.prompt.text({ message: "TLS server name: the name on the certificate (Enter for none)", default: savedName ?? "" })).trim() || undefined
        : savedName;
  if (servername) settings.servername = checkHost(servername);
}

/** The Microsoft sign-in presets: which transport they connect. */
function microsoftSignIn(preset: WebmailPreset | undefined): MicrosoftFlags | undefined {
  if (preset?.id === "microsoft-oauth") return { via: "smtp" };
  if (preset?.id === "microsoft-graph") return { via: "graph" };
  return undefined;
}

/** SSL as a three-way choice on any port, the usual one for the port first. */
async function askSecurity(ctx: Context, port: number, previous: Security | undefined): Promise<Security> {
  const usual = defaultSecurityForPort(port);
  const order: Security[] = [usual, ...(["starttls", "tls", "none"] as const).filter((x) => x !== usual)];
  const names: Record<Security, string> = {
    starttls: `STARTTLS (plain text first, then encrypted; usual on 587)`,
    tls: `Implicit TLS (encrypted from the first byte; usual on 465)`,
    none: "None (no encryption: only on a trusted network)",
  };
  return ctx.prompt.select<Security>({
    message: `SSL on port ${port}`,
    choices: order.map((value) => ({ name: names[value], value })),
    default: previous ?? usual,
  });
}

function passwordQuestion(host: string): string {
  return isGmailHost(host) ? "App Password (16 characters, not the Google account password)" : "Email password";
}
