import { basename } from "node:path";
import type { Context } from "../context.js";
import type { Owner, Profile } from "../config/types.js";
import { ownerArgs, ownerLabel } from "../config/types.js";
import { emailProblem } from "../config/fields.js";
import { NotConfiguredError, UsageError, isMailError } from "../errors.js";
import { MB, readBoundedBytes } from "../config/files.js";
import { parseKind, type DocKind } from "../routing/catalogue.js";
import { route, type RouteDecision } from "../routing/route.js";
import { resolveActingUser, savedProfiles, type ActingUser } from "../routing/acting-user.js";
import type { OutgoingMail } from "../providers/types.js";
import { warn } from "../ui/warn.js";
import { identityVariables } from "../config/identity.js";
import { BUILT_IN_VARIABLES, loadTemplate, renderTemplate, templateVariables, type Template } from "./templates.js";

/** What `send` and `queue add` are asked to send, as typed (checked by prepareMessage). */
export interface MessageInput {
  kind: DocKind;
  to: string[];
  cc: string[];
  bcc: string[];
  user?: string;
  attach: string[];
  /** name=value pairs as typed. */
  vars: string[];
  subject?: string;
}

export interface AttachmentInfo {
  path: string;
  filename: string;
  size: number;
  /** The bytes as read when the message was checked (the file is not read again). */
  content: Buffer;
}

/** A message ready to send: routed, rendered and checked. */
export interface PreparedMessage {
  kind: DocKind;
  acting: ActingUser;
  decision: RouteDecision;
  owner: Owner;
  profile: Profile;
  mail: OutgoingMail & { from: string; messageId: string };
  attachments: AttachmentInfo[];
  templateSource: string;
}

/** A message as the flags of `send` and `queue add` give it (or a line of `queue add --from`). */
export interface MessageFields {
  doc?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  user?: string;
  attach?: string[];
  var?: string[];
  subject?: string;
}

/** Repeatable address flags, each value possibly a comma-separated list. */
function addresses(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** The message's fields to a MessageInput; only the kind is checked here, the rest in prepareMessage. */
export function toMessageInput(fields: MessageFields): MessageInput {
  const input: MessageInput = {
    kind: parseKind(String(fields.doc)),
    to: addresses(fields.to),
    cc: addresses(fields.cc),
    bcc: addresses(fields.bcc),
    attach: fields.attach ?? [],
    vars: fields.var ?? [],
  };
  if (fields.user !== undefined) input.user = fields.user;
  if (fields.subject !== undefined) input.subject = fields.subject;
  return input;
}

/** Several bad inputs are reported together, one line each, so one run fixes them all. */
export function inputError(problems: string[]): UsageError {
  if (problems.length === 1) return new UsageError(problems[0] ?? "", "Nothing was sent or stored; fix it and run the command again.");
  return new UsageError(`${problems.length} problems with the input:\n  - ${problems.join("\n  - ")}`, "Nothing was sent or stored; fix them and run the command again.");
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function parseVars(pairs: string[], problems: string[]): Record<string, string> {
  // No prototype: --var constructor=x or --var __proto__=x is just a variable.
  const vars = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq) : "";
    if (!VAR_NAME.test(name)) {
      problems.push(`--var "${pair}": give it as name=value, e.g. --var number=INV-1001.`);
      continue;
    }
    vars[name] = pair.slice(eq + 1);
  }
  return vars;
}

/**
 * Reads an attachment whole, within the size limit: regular files only (a FIFO or a
 * device is refused without blocking), and the limit counts the bytes actually read,
 * since files such as those in /proc say their size is 0.
 */
function checkAttachment(path: string, limitMb: number, problems: string[]): AttachmentInfo | undefined {
  const filename = basename(path);
  if (/[\r\n]/.test(filename)) {
    problems.push(`--attach ${JSON.stringify(path)}: the file name contains a line break, which is not allowed in a mail header.`);
    return undefined;
  }
  let content: Buffer | undefined;
  try {
    content = readBoundedBytes(path, { label: "--attach", maxBytes: Math.floor(limitMb * MB) });
  } catch (err) {
    if (!isMailError(err)) throw err;
    const over = /is larger than/.test(err.message);
    problems.push(over ? `--attach ${path}: over the ${limitMb} MB limit (change it with: mailcfg config set attachment-limit-mb <MB>).` : err.message);
    return undefined;
  }
  if (content === undefined) {
    problems.push(`--attach ${path}: no such file.`);
    return undefined;
  }
  return { path, filename, size: content.length, content };
}

/**
 * Checks every input, routes the document and renders its template. Every bad input
 * is a usage error (exit 2) before anything is sent; a missing sender is not-configured.
 */
export async function prepareMessage(ctx: Context, input: MessageInput): Promise<PreparedMessage> {
  const config = await ctx.config();
  const settings = config.settings();
  const problems: string[] = [];

  checkRecipients(input, problems);
  const given = parseVars(input.vars, problems);
  if (input.subject !== undefined && /[\r\n]/.test(input.subject)) {
    problems.push("--subject contains a line break, which is not allowed in a mail header.");
  }
  const attachments = input.attach
    .map((p) => checkAttachment(p, settings["attachment-limit-mb"], problems))
    .filter((a): a is AttachmentInfo => a !== undefined);
  const template = loadTemplate(input.kind.id, settings["templates-dir"]);
  if (input.subject !== undefined) template.subject = input.subject;
  const used = checkTemplateVariables(input.kind.id, template, given, problems);
  if (problems.length > 0) throw inputError(problems);
  for (const name of Object.keys(given)) {
    if (!used.includes(name)) warn(ctx, `--var ${name} is not used by the ${input.kind.id} template (${template.source}).`);
  }

  const acting = resolveActingUser(input.user, ctx.env, settings);
  const decision = route(input.kind, acting.id, savedProfiles(config), settings);
  const owner = decision.profile.owner;
  const profile = config.getProfile(owner);
  if (!profile) throw new NotConfiguredError(`The ${ownerLabel(owner)} is not set up.`, `mailcfg setup ${ownerArgs(owner)}`);
  const mail = composeMail(ctx, input, profile, template, given, attachments);
  return { kind: input.kind, acting, decision, owner, profile, mail, attachments, templateSource: template.source };
}

function checkRecipients(input: MessageInput, problems: string[]): void {
  if (input.to.length === 0) problems.push("--to: give at least one recipient.");
  for (const [flag, list] of [["--to", input.to], ["--cc", input.cc], ["--bcc", input.bcc]] as const) {
    for (const a of list) {
      const problem = emailProblem(a);
      if (problem) problems.push(`${flag} "${a}" is not a valid email address: ${problem}.`);
    }
  }
}

/** Every variable the template uses is given (or built in), and none with a line break lands in the subject. Returns the names used. */
function checkTemplateVariables(kind: string, template: Template, given: Record<string, string>, problems: string[]): string[] {
  const used = templateVariables(template);
  const builtIn = new Set<string>(BUILT_IN_VARIABLES);
  const missing = used.filter((v) => !builtIn.has(v) && given[v] === undefined);
  if (missing.length > 0) {
    problems.push(
      `The ${kind} template needs variables that were not given: ${missing.join(", ")} ` +
        `(add ${missing.map((v) => `--var ${v}=...`).join(" ")}).`,
    );
  }
  for (const name of Object.keys(given)) {
    if (/[\r\n]/.test(given[name] ?? "") && new RegExp(`\\{\\{\\s*${name.replace(/[.]/g, "\\.")}\\s*\\}\\}`).test(template.subject)) {
      problems.push(`--var ${name} contains a line break and is used in the subject, which is a mail header.`);
    }
  }
  return used;
}

/** The template rendered with the given variables and the sender's identity, as the mail to send. */
function composeMail(
  ctx: Context,
  input: MessageInput,
  profile: Profile,
  template: Template & { source: string },
  given: Record<string, string>,
  attachments: AttachmentInfo[],
): PreparedMessage["mail"] {
  const identity = identityVariables(profile);
  // A null-prototype map: a template's {{constructor}} is a variable like any other.
  const vars = Object.assign(Object.create(null) as Record<string, string>, given, identity.vars, { date: ctx.now().toISOString().slice(0, 10) });
  const rendered = renderTemplate(template, vars, identity.html);
  // The checks above name the culprit; this one also covers a multi-line subject file.
  if (/[\r\n]/.test(rendered.subject)) throw inputError([`The ${input.kind.id} subject (${template.source}) contains a line break, which is not allowed in a mail header.`]);
  const domain = profile.email.slice(profile.email.lastIndexOf("@") + 1);
  const mail: PreparedMessage["mail"] = {
    from: profile.email,
    to: input.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: `<${globalThis.crypto.randomUUID()}@${domain}>`,
    // No X- headers of ours: the message goes to customers; the queue keeps the kind itself.
  };
  if (profile.name) mail.fromName = profile.name;
  if (input.cc.length > 0) mail.cc = input.cc;
  if (input.bcc.length > 0) mail.bcc = input.bcc;
  if (attachments.length > 0) mail.attachments = attachments.map((a) => ({ filename: a.filename, content: a.content }));
  return mail;
}
