/**
 * Reads the outgoing (SMTP) servers of a Thunderbird autoconfig document
 * (clientConfig, config-v1.1): the format of the ISP database and of a domain's own
 * autoconfig file. Only the few elements discovery needs, read with patterns rather than
 * an XML library: the format is flat and this runs on every discovery.
 */

export type SocketType = "SSL" | "STARTTLS" | "plain";

/** The login name form: the whole address, or the part before the @. */
export type UsernameForm = "address" | "localpart";

export type AuthMethod = "password" | "oauth2";

export interface OutgoingServer {
  /** May contain %EMAILDOMAIN%, filled in for the address looked up. */
  hostname: string;
  port: number;
  socketType: SocketType;
  username: UsernameForm;
  /** What the server accepts, in the document's order; methods mailcfg cannot use are left out. */
  auth: AuthMethod[];
}

export interface ClientConfig {
  /** The emailProvider id. */
  id: string;
  displayName?: string;
  domains: string[];
  outgoing: OutgoingServer[];
  /** Why outgoing servers were left out (broken placeholders, empty host, unknown socket type...). */
  skipped: string[];
}

const SOCKET_TYPES: Record<string, SocketType> = { SSL: "SSL", STARTTLS: "STARTTLS", plain: "plain" };

/** ISPDB authentication names and what mailcfg can do with them. */
const AUTH_METHODS: Record<string, AuthMethod> = {
  "password-cleartext": "password",
  "password-encrypted": "password",
  plain: "password",
  secure: "password",
  OAuth2: "oauth2",
};

/** The username values that make sense for SMTP; anything else (a broken or unknown placeholder) is skipped. */
const USERNAME_FORMS: Record<string, UsernameForm> = {
  "%EMAILADDRESS%": "address",
  "%EMAILLOCALPART%@%EMAILDOMAIN%": "address",
  "%EMAILLOCALPART%": "localpart",
};

const HOST_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A host name, where %EMAILDOMAIN% may stand for the address's domain. */
function isHostTemplate(host: string): boolean {
  return HOST_PATTERN.test(host.replace(/%EMAILDOMAIN%/g, "example.com"));
}

function decode(text: string): string {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}

function all(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "g");
  return [...xml.matchAll(re)].map((m) => decode(m[1] ?? ""));
}

function first(xml: string, tag: string): string | undefined {
  return all(xml, tag)[0];
}

/** One outgoingServer element, checked: a reason string when it cannot be used. */
export function readOutgoing(block: string): OutgoingServer | string {
  const hostname = (first(block, "hostname") ?? "").toLowerCase().replace(/%emaildomain%/g, "%EMAILDOMAIN%");
  if (!hostname) return "empty hostname";
  if (!isHostTemplate(hostname)) return `hostname "${hostname}" is not a host name`;
  const portText = first(block, "port") ?? "";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return `port "${portText}" is not a port`;
  const socket = SOCKET_TYPES[first(block, "socketType") ?? ""];
  if (!socket) return `socketType "${first(block, "socketType") ?? ""}" is not SSL, STARTTLS or plain`;
  const usernameText = first(block, "username") ?? "%EMAILADDRESS%";
  const username = USERNAME_FORMS[usernameText];
  if (!username) return `username "${usernameText}" has an unknown or broken placeholder`;
  const auth = [...new Set(all(block, "authentication").flatMap((a) => AUTH_METHODS[a] ?? []))];
  if (auth.length === 0) return "no password or OAuth2 authentication";
  return { hostname, port, socketType: socket, username, auth };
}

/** The emailProvider of a clientConfig document, or undefined when the text is not one. */
export function parseClientConfig(xml: string): ClientConfig | undefined {
  const provider = /<emailProvider\b([^>]*)>([\s\S]*?)<\/emailProvider>/.exec(xml.replace(/<!--[\s\S]*?-->/g, ""));
  if (!provider) return undefined;
  const body = provider[2] ?? "";
  const id = /\bid\s*=\s*"([^"]*)"/.exec(provider[1] ?? "")?.[1] ?? "";
  const config: ClientConfig = { id, domains: [], outgoing: [], skipped: [] };
  const name = first(body, "displayName");
  if (name) config.displayName = name;
  config.domains = all(body, "domain").map((d) => d.toLowerCase()).filter((d) => HOST_PATTERN.test(d) && !d.includes("%"));
  const outgoing = /<outgoingServer\b[^>]*\btype\s*=\s*"smtp"[^>]*>([\s\S]*?)<\/outgoingServer>/g;
  for (const m of body.matchAll(outgoing)) {
    const server = readOutgoing(m[1] ?? "");
    if (typeof server === "string") config.skipped.push(server);
    else config.outgoing.push(server);
  }
  return config;
}
