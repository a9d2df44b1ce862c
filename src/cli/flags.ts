import { arg, flag, required } from "./definition.js";

/** The flags several commands share, declared once; a command spreads the groups it takes. */

export const jsonFlag = { json: flag.on("--json", "print one JSON document on stdout") };

/** The profile a command works on: `company`, or `user <id>` (checked by parseOwner in the run). */
export const targetArgs = {
  target: arg.optional("[target]", "company, or user"),
  id: arg.optional("[id]", "the user id, with user"),
};

/** Commands that connect to a server. */
export const connectFlags = {
  timeout: flag.text("--timeout <seconds>", "connection timeout in seconds (default 15, or the connect-timeout-seconds setting)"),
  ca: flag.list("--ca <file>", "trust this CA certificate (PEM) too; repeatable"),
};

/** The settings of a provider: setup, validate and diagnose. */
export const providerFlags = {
  type: flag.choice("--type <type>", "service type", ["webmail", "exchange", "gmail"] as const),
  preset: flag.text("--preset <name>", "webmail preset: microsoft, microsoft-oauth, microsoft-graph, gmail or other", {
    values: ["microsoft", "microsoft-oauth", "microsoft-graph", "gmail", "other"],
  }),
  host: flag.text("--host <host>", "webmail: outgoing mail server (SMTP), e.g. smtp.office365.com"),
  port: flag.text("--port <port>", "webmail: port (587 default; 465 for implicit TLS)"),
  security: flag.text("--security <mode>", "webmail: starttls (587), tls (465) or none", { values: ["starttls", "tls", "none"] }),
  email: flag.text("--email <address>", "the sender's email address"),
  username: flag.text("--username <name>", "login name when it is not the email address"),
  tlsServername: flag.text("--tls-servername <name>", "webmail: check the certificate against this name (when --host is an IP address)"),
  ewsUrl: flag.text("--ews-url <url>", "exchange: the Exchange URI, e.g. https://mail.company.com/EWS/Exchange.asmx"),
  domain: flag.text("--domain <domain>", "exchange: the domain, in the form company.com"),
  loginForm: flag.text("--login-form <form>", "exchange: send company.com\\user (domain, default) or user@company.com (upn)", { values: ["domain", "upn"] }),
  passwordStdin: flag.on("--password-stdin", "read the password from standard input"),
  clientId: flag.text("--client-id <id>", "gmail, or webmail --preset microsoft-oauth|microsoft-graph: the organisation's OAuth client id"),
  tenant: flag.text("--tenant <tenant>", "webmail --preset microsoft-oauth|microsoft-graph: the Entra tenant (default organizations)"),
  clientSecretStdin: flag.on("--client-secret-stdin", "gmail: read the OAuth client secret from the first line of standard input"),
  browser: flag.off("--no-browser", "gmail, microsoft-oauth: print the sign-in address instead of opening a browser"),
};

/** The sender identity of setup: display name and signature. */
export const identityFlags = {
  name: flag.text("--name <display name>", 'the display name shown in From, e.g. "Acme Sales"'),
  signature: flag.text("--signature <text>", "the signature under each message (\\n for a new line)"),
  signatureFile: flag.text("--signature-file <file>", "the signature, from a text file"),
  signatureHtmlFile: flag.text("--signature-html-file <file>", "the signature's HTML form, for the HTML part (with --signature or --signature-file)"),
};

const doc = flag.text("--doc <kind>", "document kind, e.g. invoice, sales-order (see mailcfg route --all)");
const to = flag.list("--to <addresses>", "recipients, comma separated; repeatable");

/** What `send` and `queue add` share but --doc and --to: `queue add --from` takes them from a file. */
const messageDetails = {
  cc: flag.list("--cc <addresses>", "copy recipients, comma separated; repeatable"),
  bcc: flag.list("--bcc <addresses>", "blind copy recipients, comma separated; repeatable"),
  user: flag.text("--user <id>", "the acting user (default: MAILCFG_USER, then the default-user setting)"),
  attach: flag.list("--attach <file>", "attach a file; repeatable"),
  var: flag.list("--var <name=value>", "a template variable, e.g. --var number=INV-1001; repeatable"),
  subject: flag.text("--subject <text>", "subject instead of the template's (variables allowed)"),
};

/** The message of `send`: --doc and --to required. */
export const messageFlags = { doc: required(doc), to: required(to), ...messageDetails };

/** The message of `queue add`: --doc and --to checked by the command (they may come from --from). */
export const optionalMessageFlags = { doc, to, ...messageDetails };

