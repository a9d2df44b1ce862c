import { Command, CommanderError } from "commander";
import { createContext, type Context } from "./context.js";
import { exitCodeFor, EXIT_CODES, UsageError } from "./errors.js";
import type { CommandResult } from "./commands/shared.js";
import { register, type CommandDefinition, type Done } from "./cli/definition.js";
// Only the command definitions (names, flags, help) are loaded at start: each action
// imports its command's code from src/commands/ when it runs, so a run loads the code
// of one command, not all of them.
import { setup } from "./cli/setup.js";
import { validate } from "./cli/validate.js";
import { status } from "./cli/status.js";
import { config } from "./cli/config.js";
import { sandbox } from "./cli/sandbox.js";
import { demo } from "./cli/demo.js";
import { connectGmail } from "./cli/connect-gmail.js";
import { route } from "./cli/route.js";
import { send } from "./cli/send.js";
import { queue } from "./cli/queue.js";
import { explain } from "./cli/explain.js";
import { diagnose } from "./cli/diagnose.js";
import { connectMicrosoft } from "./cli/connect-microsoft.js";
import { discover } from "./cli/discover.js";
import { remove, rename } from "./cli/profiles.js";
import { completion } from "./cli/completion.js";
import { addNamedHelpTexts } from "./cli/help.js";

export const VERSION = "0.1.0";

/**
 * Every command: the name its definition gives it, its definition, and its line in the
 * command list of `mailcfg --help`, short so the whole help fits 80 columns (and so is
 * the same text on any wider terminal: the build relies on that). Each command's own
 * --help gives its full description.
 */
export const COMMANDS: readonly CommandDefinition[] = [
  setup,
  discover,
  connectGmail,
  connectMicrosoft,
  validate,
  status,
  remove,
  rename,
  route,
  send,
  queue,
  diagnose,
  explain,
  config,
  sandbox,
  demo,
  completion,
];

/**
 * Builds the program for `argv` (all commands unless argv starts with a command's name);
 * `done` receives the result of whichever command ran.
 */
export function buildProgram(ctx: Context, done: Done, argv: readonly string[] = []): Command {
  const output = {
    writeOut: (s: string) => void ctx.io.out.write(s),
    writeErr: (s: string) => void ctx.io.err.write(s),
    outputError: () => undefined, // main() renders usage errors itself
  };
  const program = new Command("mailcfg")
    .description(
      "Set up, validate, route and diagnose the outgoing email of the business system:\n" +
        "the Company Email and each User Email, over Webmail (SMTP), Exchange (EWS)\n" +
        "or Gmail (Email Services).",
    )
    .version(VERSION, "-v, --version")
    .option("--debug", "stack traces, masked protocol log")
    .helpCommand("help [command]", "a command's help, or: environment")
    .showSuggestionAfterError(true)
    .configureOutput(output)
    .exitOverride();

  // A run that names its command first defines only that one (its flags, its help):
  // defining all of them is needed only for the command list, `help` and suggestions.
  const named = COMMANDS.find((c) => c.name === argv[0]);
  for (const definition of named ? [named] : COMMANDS) program.addCommand(register(definition, ctx, done));
  // Commands built on their own do not inherit these from the program: set them on every
  // level, so help and errors go through ctx.io and only main() decides the exit.
  const everywhere = (c: Command) => {
    c.exitOverride().configureOutput(output);
    c.commands.forEach(everywhere);
  };
  program.commands.forEach(everywhere);
  program.addHelpText(
    "after",
    `
Exit codes: 0 ok, 1 unexpected, 2 usage or invalid input, 3 auth, 4 server,
5 ssl, 6 rejected, 7 not configured or OAuth reconnect needed, 130 cancelled.

--debug works on every command (same as MAILCFG_DEBUG=1).
Environment variables: mailcfg help environment
Shell completion: mailcfg completion --help

Examples:
  $ mailcfg demo                      # try everything against a local sandbox
  $ mailcfg setup company             # the setup wizard
  $ mailcfg validate --all --json     # for CI
  $ mailcfg status`,
  );
  return program;
}

/**
 * --debug works on every command, anywhere before a `--`: it is taken out here, so no
 * command has to declare it. -V stays a synonym of -v/--version.
 */
function takeGlobalFlags(argv: string[], ctx: Context): string[] {
  const end = argv.indexOf("--");
  const head = end < 0 ? argv : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  if (head.includes("--debug")) ctx.debug = true;
  const rest = [...head.filter((a) => a !== "--debug"), ...tail];
  return rest.length === 1 && rest[0] === "-V" ? ["--version"] : rest;
}

/** Runs mailcfg; returns the exit code. The only place that decides it. */
export async function main(rawArgv: string[], ctx: Context = createContext()): Promise<number> {
  if (rawArgv[0] === "__complete") {
    // Hidden, for the completion scripts: the words are data, never parsed as flags here.
    const { completions } = await import("./commands/complete.js");
    const words = await completions(ctx, buildProgram(ctx, () => undefined), rawArgv.slice(1));
    ctx.io.out.write(words.map((w) => w + "\n").join(""));
    return 0;
  }
  const argv = takeGlobalFlags(rawArgv, ctx);
  const json = argv.includes("--json");
  let result: CommandResult = {};
  const program = buildProgram(ctx, (r) => (result = r), argv);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    if (argv[0] === "help" && argv[1] === "environment") {
      const { ENVIRONMENT, renderEnvironment } = await import("./cli/environment.js");
      ctx.io.out.write(json ? JSON.stringify({ ok: true, variables: ENVIRONMENT }, null, 2) + "\n" : renderEnvironment());
      return 0;
    }
    await addNamedHelpTexts(program, argv);
    await program.parseAsync(argv, { from: "user" });
    if (json && result.data !== undefined) {
      ctx.io.out.write(JSON.stringify({ ok: !result.failed, ...result.data }, null, 2) + "\n");
    }
    return result.failed ? EXIT_CODES[result.failed] : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      // Help shown because a subcommand is missing (e.g. `mailcfg config`) is a usage error.
      if (err.code === "commander.help") return err.exitCode === 0 ? 0 : EXIT_CODES.usage;
      // One line for the error; commander's "(Did you mean ...?)" becomes part of the hint.
      const [first = "", ...rest] = err.message.replace(/^error: /, "").split("\n");
      const suggestion = rest.map((l) => l.replace(/^\((.*)\)$/, "$1").trim()).filter(Boolean).join(" ");
      const usage = new UsageError(first, `${suggestion ? suggestion + " " : ""}See mailcfg --help (or mailcfg <command> --help).`);
      await report(ctx, usage, json);
      return EXIT_CODES.usage;
    }
    await report(ctx, err, json);
    if (ctx.debug) ctx.io.err.write(stackOf(err));
    return exitCodeFor(err);
  }
}

/** The stack of an error and of each cause under it, for --debug. */
function stackOf(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    lines.push(depth === 0 ? "" : "caused by:", e instanceof Error ? (e.stack ?? String(e)) : String(e));
  }
  return lines.filter(Boolean).join("\n") + "\n";
}

async function report(ctx: Context, err: unknown, json: boolean): Promise<void> {
  // Loaded on the error path only: rendering pulls in the product's messages.
  const { errorToJson, renderError } = await import("./ui/render.js");
  if (json) ctx.io.out.write(JSON.stringify({ ok: false, error: errorToJson(err) }, null, 2) + "\n");
  else ctx.io.err.write(renderError(err, ctx.theme));
}
