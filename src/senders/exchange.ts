import type { Context } from "../context.js";
import type { ExchangeSettings } from "../config/types.js";
import { UsageError } from "../errors.js";
import {
  DEFAULT_EWS_URL,
  checkEwsUrl,
  checkExchangeDomain,
  checkExchangeUsername,
  exchangeLoginName,
  exchangeOnlineWarning,
  isExchangeOnlineUrl,
  judgeDomain,
  loginFormWords,
  parseLoginForm,
  type LoginForm,
} from "../config/exchange-fields.js";
import type { Collected, ProviderFlags, SetupFlow } from "./flow.js";
import { passwordKeepingPrevious } from "./input.js";
import { askEmail } from "./ask-email.js";

export const exchangeFlow: SetupFlow = {
  type: "exchange",
  label: "Exchange (EWS)",
  collect: collectExchange,
  warnings(settings) {
    const s = settings as ExchangeSettings;
    let out: string[];
    try {
      out = [...checkEwsUrl(s.ewsUrl).warnings];
    } catch (err) {
      // A saved URL edited by hand: say so, and let the attempt show what happens.
      out = [err instanceof Error ? err.message : String(err)];
    }
    if (isExchangeOnlineUrl(s.ewsUrl)) out.push(exchangeOnlineWarning(new URL(s.ewsUrl).hostname));
    return out;
  },
};

/** The Exchange URI, domain, user name and sign-in form, each from its flag, a question or the saved profile; then the password. */
async function collectExchange(ctx: Context, f: ProviderFlags, previous: Partial<Collected> | undefined): Promise<Collected> {
  const prev = previous?.settings?.type === "exchange" ? previous.settings : undefined;
  const ewsUrl = await askEwsUrl(ctx, f, prev);
  const email = await askEmail(ctx, f.email, prev?.email, "Missing --email (the sender address).");
  const domain = await askDomain(ctx, f, prev, email.slice(email.lastIndexOf("@") + 1).toLowerCase());
  const username = await askUsername(ctx, f, prev, email);
  const loginForm = await askLoginForm(ctx, f, prev, domain, username);

  const settings: ExchangeSettings = { type: "exchange", email, ewsUrl, domain, username };
  if (loginForm && !username.includes("@")) settings.loginForm = loginForm;
  if (ctx.io.canPrompt) ctx.io.err.write(ctx.theme.dim(`Signing in as ${exchangeLoginName(settings)} (${loginFormWords(settings)}).`) + "\n");

  const question = { message: `Email Password for ${exchangeLoginName(settings)}` };
  const secret = await passwordKeepingPrevious(ctx, f, previous, prev?.ewsUrl === ewsUrl, question);
  if (secret === undefined) throw new UsageError("No password given.", "Pipe it with --password-stdin or set MAILCFG_PASSWORD.");
  // Still the saved password: a later round (after a failed validation) knows it as such.
  return { settings, secret, ...(previous?.secretSaved && secret === previous.secret ? { secretSaved: true } : {}) };
}

async function askEwsUrl(ctx: Context, f: ProviderFlags, prev: ExchangeSettings | undefined): Promise<string> {
  if (f.ewsUrl) return checkEwsUrl(f.ewsUrl).url;
  if (!ctx.io.canPrompt) {
    if (prev?.ewsUrl) return prev.ewsUrl;
    throw new UsageError("Missing --ews-url (the Exchange URI), e.g. --ews-url https://mail.company.com/EWS/Exchange.asmx.");
  }
  const ewsUrl = checkEwsUrl(
    await ctx.prompt.text({
      message: "Exchange URI (EWS URL)",
      default: prev?.ewsUrl ?? DEFAULT_EWS_URL,
      validate: (v) => urlQuestionProblem(v) ?? true,
    }),
    "Exchange URI",
  ).url;
  if (isExchangeOnlineUrl(ewsUrl)) {
    ctx.io.err.write(
      ctx.theme.warn("note: ") +
        "this is Exchange Online, which no longer accepts passwords over EWS (details before validation). " +
        `An on-premises server looks like https://mail.company.com/EWS/Exchange.asmx.\n`,
    );
  }
  return ewsUrl;
}

/** The domain in the product's form company.com; the address's domain is offered first. */
async function askDomain(ctx: Context, f: ProviderFlags, prev: ExchangeSettings | undefined, emailDomain: string): Promise<string> {
  if (f.domain) return checkExchangeDomain(f.domain, "--domain");
  if (ctx.io.canPrompt) {
    const typed = await ctx.prompt.text({
      message: "Domain (form company.com)",
      default: prev?.domain ?? emailDomain,
      validate: (v) => {
        const verdict = judgeDomain(v);
        if (verdict.value) return true;
        return `"${v}" is not in the form company.com: ${verdict.problem}${verdict.suggestion ? `; did you mean ${verdict.suggestion}?` : "."}`;
      },
    });
    return checkExchangeDomain(typed, "domain");
  }
  if (prev?.domain) return prev.domain;
  throw new UsageError(`Missing --domain (form company.com), e.g. --domain ${emailDomain}.`);
}

async function askUsername(ctx: Context, f: ProviderFlags, prev: ExchangeSettings | undefined, email: string): Promise<string> {
  if (f.username) return checkExchangeUsername(f.username, "--username");
  if (ctx.io.canPrompt) {
    const typed = await ctx.prompt.text({
      message: "Username (without the domain)",
      default: prev?.username ?? email.slice(0, email.lastIndexOf("@")),
      validate: (v) => {
        try {
          checkExchangeUsername(v, "Username");
          return true;
        } catch (err) {
          return err instanceof Error ? err.message : String(err);
        }
      },
    });
    return checkExchangeUsername(typed, "username");
  }
  if (prev?.username) return prev.username;
  throw new UsageError("Missing --username (the Exchange user name, e.g. jdoe).");
}

/** How the sign-in name is sent: DOMAIN\user or user@domain. A UPN is sent as typed. */
async function askLoginForm(ctx: Context, f: ProviderFlags, prev: ExchangeSettings | undefined, domain: string, username: string): Promise<LoginForm | undefined> {
  if (typeof f.loginForm === "string") {
    const loginForm = parseLoginForm(f.loginForm);
    if (loginForm === "domain" && username.includes("@")) {
      throw new UsageError(
        `--login-form domain cannot be used with the user name "${username}", which is already a UPN.`,
        "Give the user name alone (e.g. jdoe) for the DOMAIN\\user form, or drop --login-form.",
      );
    }
    return loginForm;
  }
  if (username.includes("@")) return undefined;
  if (!ctx.io.canPrompt) return prev?.loginForm;
  return ctx.prompt.select<LoginForm>({
    message: "Sign in as",
    choices: [
      { name: `${domain}\\${username} (DOMAIN\\user, what the product sends)`, value: "domain" },
      { name: `${username}@${domain} (user principal name)`, value: "upn" },
    ],
    default: prev?.loginForm ?? "domain",
  });
}

function urlQuestionProblem(v: string): string | undefined {
  try {
    checkEwsUrl(v, "Exchange URI");
    return undefined;
  } catch (err) {
    return err instanceof UsageError ? [err.message, err.hint].filter(Boolean).join(" ") : String(err);
  }
}
