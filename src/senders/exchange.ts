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
  label: "Exchange (EWS: Exchange URI, domain, user name and password)",
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

async function collectExchange(ctx: Context, f: ProviderFlags, previous: Partial<Collected> | undefined): Promise<Collected> {
  const prev = previous?.settings?.type === "exchange" ? previous.settings : undefined;
  const ask = ctx.io.canPrompt;

  // Exchange URI
  let ewsUrl: string;
  if (f.ewsUrl) ewsUrl = checkEwsUrl(f.ewsUrl).url;
  else if (ask) {
    ewsUrl = checkEwsUrl(
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
  } else if (prev?.ewsUrl) ewsUrl = prev.ewsUrl;
  else throw new UsageError("Missing --ews-url (the Exchange URI), e.g. --ews-url https://mail.company.com/EWS/Exchange.asmx.");

  // Email address
  const email = await askEmail(ctx, f.email, prev?.email, "Missing --email (the sender address).");
  const emailDomain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();

  // Domain, in the product's form company.com
  let domain: string;
  if (f.domain) domain = checkExchangeDomain(f.domain, "--domain");
  else if (ask)
    domain = checkExchangeDomain(
      await ctx.prompt.text({
        message: "Domain (form company.com)",
        default: prev?.domain ?? emailDomain,
        validate: (v) => {
          const verdict = judgeDomain(v);
          if (verdict.value) return true;
          return `"${v}" is not in the form company.com: ${verdict.problem}${verdict.suggestion ? `; did you mean ${verdict.suggestion}?` : "."}`;
        },
      }),
      "domain",
    );
  else if (prev?.domain) domain = prev.domain;
  else throw new UsageError(`Missing --domain (form company.com), e.g. --domain ${emailDomain}.`);

  // User name
  let username: string;
  if (f.username) username = checkExchangeUsername(f.username, "--username");
  else if (ask)
    username = checkExchangeUsername(
      await ctx.prompt.text({
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
      }),
      "username",
    );
  else if (prev?.username) username = prev.username;
  else throw new UsageError("Missing --username (the Exchange user name, e.g. jdoe).");

  // How the sign-in name is sent
  let loginForm: LoginForm | undefined;
  if (typeof f.loginForm === "string") {
    loginForm = parseLoginForm(f.loginForm);
    if (loginForm === "domain" && username.includes("@")) {
      throw new UsageError(
        `--login-form domain cannot be used with the user name "${username}", which is already a UPN.`,
        "Give the user name alone (e.g. jdoe) for the DOMAIN\\user form, or drop --login-form.",
      );
    }
  } else if (username.includes("@")) loginForm = undefined; // a UPN is sent as typed
  else if (ask) {
    loginForm = await ctx.prompt.select<LoginForm>({
      message: "Sign in as",
      choices: [
        { name: `${domain}\\${username} (DOMAIN\\user, what the product sends)`, value: "domain" },
        { name: `${username}@${domain} (user principal name)`, value: "upn" },
      ],
      default: prev?.loginForm ?? "domain",
    });
  } else loginForm = prev?.loginForm;

  const settings: ExchangeSettings = { type: "exchange", email, ewsUrl, domain, username };
  if (loginForm && !username.includes("@")) settings.loginForm = loginForm;
  if (ask) ctx.io.err.write(ctx.theme.dim(`Signing in as ${exchangeLoginName(settings)} (${loginFormWords(settings)}).`) + "\n");

  const question = { message: `Email Password for ${exchangeLoginName(settings)}` };
  const secret = await passwordKeepingPrevious(ctx, f, previous, prev?.ewsUrl === ewsUrl, question);
  if (secret === undefined) throw new UsageError("No password given.", "Pipe it with --password-stdin or set MAILCFG_PASSWORD.");
  // Still the saved password: a later round (after a failed validation) knows it as such.
  return { settings, secret, ...(previous?.secretSaved && secret === previous.secret ? { secretSaved: true } : {}) };
}

function urlQuestionProblem(v: string): string | undefined {
  try {
    checkEwsUrl(v, "Exchange URI");
    return undefined;
  } catch (err) {
    return err instanceof UsageError ? [err.message, err.hint].filter(Boolean).join(" ") : String(err);
  }
}
