/**
 * Every environment variable mailcfg reads, its default and what it does: printed by
 * `mailcfg help environment`. A test greps src/ for MAILCFG_* and checks each is here.
 */
export const ENVIRONMENT: ReadonlyArray<{ name: string; default: string; what: string }> = [
  { name: "MAILCFG_CONFIG_DIR", default: "$XDG_CONFIG_HOME/mailcfg, else ~/.config/mailcfg", what: "the config folder: config.json, secrets.json, queue.db" },
  { name: "XDG_CONFIG_HOME", default: "~/.config", what: "where the config folder is made when MAILCFG_CONFIG_DIR is unset" },
  { name: "MAILCFG_PASSWORD", default: "unset", what: "the password for setup and ad hoc validate (instead of --password-stdin or a prompt)" },
  { name: "MAILCFG_SECRET_STORE", default: "the secret-store setting, else the OS keyring if it works, else the file", what: "file or keyring: where passwords and tokens are kept" },
  { name: "MAILCFG_USER", default: "the default-user setting", what: "the acting user when --user is not given (route, send, queue add)" },
  { name: "MAILCFG_DEBUG", default: "unset", what: "1: stack traces and the protocol log with secrets masked (same as --debug)" },
  { name: "MAILCFG_GOOGLE_CLIENT_SECRET", default: "unset (the one saved with a connection)", what: "the Google OAuth client secret for connect-gmail" },
  { name: "MAILCFG_GOOGLE_AUTH_URL", default: "https://accounts.google.com/o/oauth2/v2/auth", what: "Google's authorization endpoint (test rigs; https, http only on loopback)" },
  { name: "MAILCFG_GOOGLE_TOKEN_URL", default: "https://oauth2.googleapis.com/token", what: "Google's token endpoint (test rigs; https, http only on loopback)" },
  { name: "MAILCFG_GOOGLE_REVOKE_URL", default: "https://oauth2.googleapis.com/revoke", what: "Google's revocation endpoint, used by remove (test rigs; https, http only on loopback)" },
  { name: "MAILCFG_GMAIL_API_URL", default: "https://gmail.googleapis.com", what: "the Gmail API origin (test rigs; https, http only on loopback)" },
  { name: "MAILCFG_MICROSOFT_AUTH_URL", default: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize", what: "Microsoft's authorization endpoint (test rigs; {tenant} is filled in)" },
  { name: "MAILCFG_MICROSOFT_TOKEN_URL", default: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token", what: "Microsoft's token endpoint (test rigs; {tenant} is filled in)" },
  { name: "MAILCFG_MICROSOFT_SMTP_HOST", default: "smtp.office365.com:587", what: "host[:port] a Microsoft 365 OAuth mailbox sends through (test rigs)" },
  { name: "MAILCFG_MICROSOFT_DEVICE_CODE_URL", default: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode", what: "Microsoft's device code endpoint, for connect-microsoft --device-code (test rigs; {tenant} is filled in)" },
  { name: "MAILCFG_GRAPH_URL", default: "https://graph.microsoft.com", what: "the Microsoft Graph origin for --via graph profiles (test rigs; https, http only on loopback)" },
  { name: "MAILCFG_DNS_SERVERS", default: "the system resolver", what: "ip:port[,ip:port]: the resolver discovery and diagnose use (test rigs; loopback only)" },
  { name: "MAILCFG_DISCOVERY_HTTPS_PORT", default: "443", what: "the port of autoconfig look-ups over https, for names that resolve to loopback (test rigs)" },
  { name: "MAILCFG_DISCOVERY_HTTP_PORT", default: "80", what: "the port of autoconfig look-ups over plain http, for names that resolve to loopback (test rigs)" },
  { name: "MAILCFG_QUEUE_URL", default: "the queue-url setting, else the SQLite queue beside the config", what: "postgres://user@host/db?sslmode=...: the shared queue on PostgreSQL (its password never in this URL when set by a command)" },
  { name: "MAILCFG_QUEUE_PASSWORD", default: "the secret store (queue:password), then PGPASSWORD or ~/.pgpass", what: "the shared queue's database password" },
  { name: "MAILCFG_QUEUE_LEASE_SECONDS", default: "60", what: "how long a queue runner's claim lasts without a heartbeat (renewed every quarter of it)" },
  { name: "MAILCFG_QUEUE_RUNNER_HOST", default: "the host name", what: "the name this runner's claims carry in the shared queue, when host names are not unique" },
  { name: "NODE_EXTRA_CA_CERTS", default: "unset", what: "a PEM file of extra trusted CAs for private servers (as --ca <file>)" },
  { name: "NO_COLOR", default: "unset", what: "any value: no colour on stderr (colour is used only on a terminal)" },
];

export function renderEnvironment(): string {
  const lines = ENVIRONMENT.map((v) => `  ${v.name}\n      ${v.what}\n      default: ${v.default}`);
  return `Environment variables mailcfg reads:\n\n${lines.join("\n")}\n\nSecrets never come from a flag value: only from stdin, these variables or a hidden prompt.\n`;
}
