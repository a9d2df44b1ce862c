import { Command, Option } from "commander";
import type { Context } from "../context.js";
import type { CommandResult } from "../commands/shared.js";
import { addHelpTextLater } from "./help.js";

/**
 * A command is data: its name, what it says in --help, its arguments and flags (each
 * declared once, with the type its value has when the run function gets it), and how
 * to load the code that runs it. `register()` turns a definition into a commander
 * command; the run function receives one typed object, arguments and flags by name.
 */

/** How one flag reads on the command line (one commander option). */
interface OptionSpec {
  readonly flags: string;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly required?: boolean;
  /** Shown in --help as "(default: ...)" and given when the flag is absent. */
  readonly default?: string;
  readonly repeatable?: boolean;
  /** Values offered by shell completion (not enforced: other values are checked by the run). */
  readonly values?: readonly string[];
}

/** A flag whose value has type T in the run function's input. */
export interface Flag<T> {
  readonly options: readonly OptionSpec[];
  /** The value when the flag is not on the command line. */
  readonly absent: T;
}

/** A positional argument whose value has type T. */
export interface Arg<T> {
  readonly spec: string;
  readonly description?: string;
  /** Phantom: the type of the argument's value. */
  readonly type?: T;
}

export type Flags = Record<string, Flag<unknown>>;
export type Args = Record<string, Arg<unknown>>;

/** What a run function receives: every argument and flag of the definition, by name. */
export type Input<A extends Args, F extends Flags> = { [K in keyof A]: A[K] extends Arg<infer T> ? T : never } & {
  [K in keyof F]: F[K] extends Flag<infer T> ? T : never;
};

/**
 * A run function. Declared through a method so a definition of any input fits the
 * registry's list of definitions (method parameters are compared both ways).
 */
export type Run<I> = { run(ctx: Context, input: I): Promise<CommandResult> }["run"];

export interface CommandDefinition<A extends Args = Args, F extends Flags = Flags> {
  readonly name: string;
  /** Its line in the command list of the parent's --help. */
  readonly summary?: string;
  readonly description: string;
  readonly args?: A;
  readonly flags?: F;
  /** Text after the options in --help: notes and examples. */
  readonly help?: string;
  /** Help text built from data a start should not load (settings, document kinds). */
  readonly helpLater?: () => Promise<string>;
  /** Loads the run function: a run loads the code of the one command it runs. */
  readonly load?: () => Promise<Run<Input<A, F>>>;
  readonly subcommands?: readonly CommandDefinition<Args, Flags>[];
}

/**
 * Infers a definition's argument and flag types; the definition itself is returned
 * unchanged. Here the run function is checked strictly: it must take exactly what its
 * definition gives (the registry's own type compares inputs both ways).
 */
export function defineCommand<A extends Args = Record<never, never>, F extends Flags = Record<never, never>>(
  definition: Omit<CommandDefinition<A, F>, "load"> & { load?: () => Promise<(ctx: Context, input: Input<A, F>) => Promise<CommandResult>> },
): CommandDefinition<A, F> {
  return definition;
}

/** The input of a run with no argument and no flag given: for one command running another. */
export function blankInput<A extends Args, F extends Flags>(definition: CommandDefinition<A, F>): Input<A, F> {
  return inputOf(definition, [], {}) as Input<A, F>;
}

/** Runs a command as if these arguments and flags were given (and no other): for one command running another. */
export async function runWith<A extends Args, F extends Flags>(
  definition: CommandDefinition<A, F>,
  ctx: Context,
  given: Partial<Input<A, F>>,
): Promise<CommandResult> {
  if (!definition.load) throw new Error(`${definition.name} has no run function`);
  return (await definition.load())(ctx, { ...blankInput(definition), ...given });
}

/** Positional arguments. */
export const arg = {
  /** `[name]`: undefined when not given. */
  optional: (spec: `[${string}]`, description?: string): Arg<string | undefined> => ({ spec, description }),
  /** `<name>`: commander refuses the command without it. */
  required: (spec: `<${string}>`, description?: string): Arg<string> => ({ spec, description }),
  /** `[name...]`: every remaining word. */
  rest: (spec: `[${string}...]`, description?: string): Arg<string[]> => ({ spec, description }),
};



/** Flags, by the type of their value. */
export const flag = {
  /** `--name <value>`: the text, or undefined. */
  text: (flags: string, description: string, o: { values?: readonly string[] } = {}): Flag<string | undefined> => ({
    options: [{ flags, description, ...o }],
    absent: undefined,
  }),
  /** `--name <value>` with a default shown in --help. */
  textWithDefault: (flags: string, description: string, fallback: string): Flag<string> => ({
    options: [{ flags, description, default: fallback }],
    absent: fallback,
  }),
  /** `--name <value>` limited to `choices` (listed in --help). */
  choice: <C extends string>(flags: string, description: string, choices: readonly C[]): Flag<C | undefined> => ({
    options: [{ flags, description, choices }],
    absent: undefined,
  }),
  /** `--name [value]`: true when given alone, the text when given one. */
  optionalText: (flags: string, description: string): Flag<string | true | undefined> => ({ options: [{ flags, description }], absent: undefined }),
  /** `--name <value>`, repeatable: every value, in order (undefined when never given). */
  list: (flags: string, description: string): Flag<string[] | undefined> => ({ options: [{ flags, description, repeatable: true }], absent: undefined }),
  /** `--name`: true when given. */
  on: (flags: string, description: string): Flag<boolean> => ({ options: [{ flags, description }], absent: false }),
  /** `--no-name`: false when given, true otherwise. */
  off: (flags: `--no-${string}`, description: string): Flag<boolean> => ({ options: [{ flags, description }], absent: true }),
  /** `--name` and `--no-name`: true, false, or undefined when neither is given. */
  pair: (on: string, onDescription: string, off: `--no-${string}`, offDescription: string): Flag<boolean | undefined> => ({
    options: [
      { flags: on, description: onDescription },
      { flags: off, description: offDescription },
    ],
    absent: undefined,
  }),
};

/** Narrows a flag: `required` makes a list or text flag mandatory in commander and in the type. */
export function required<T>(f: Flag<T | undefined>): Flag<T> {
  return { options: f.options.map((o) => ({ ...o, required: true })), absent: undefined as T };
}

/** Receives the result of whichever command ran; main() turns it into output and an exit code. */
export type Done = (r: CommandResult) => void;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The values shell completion offers for an option, where its flag names them. */
const SUGGESTED = new WeakMap<Option, readonly string[]>();

export function suggestedValues(option: Option): readonly string[] | undefined {
  return option.argChoices ?? SUGGESTED.get(option);
}

function toOption(key: string, spec: OptionSpec, commandName: string): Option {
  const option = new Option(spec.flags, spec.description);
  // A flag is read back by its key: the key and commander's name for it must agree.
  if (option.attributeName() !== key) throw new Error(`${commandName}: flag ${spec.flags} is declared as "${key}"`);
  if (spec.choices) option.choices([...spec.choices]);
  if (spec.repeatable) option.argParser(collect);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.required) option.makeOptionMandatory();
  if (spec.values) SUGGESTED.set(option, spec.values);
  return option;
}

/** The typed input of a run: commander's values, absent flags filled in. */
function inputOf<A extends Args, F extends Flags>(definition: CommandDefinition<A, F>, values: readonly unknown[], opts: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  Object.keys(definition.args ?? {}).forEach((name, i) => (input[name] = values[i]));
  for (const [key, f] of Object.entries(definition.flags ?? {})) {
    const given = opts[key];
    input[key] = given === undefined ? f.absent : given;
  }
  return input;
}

/** The commander command for a definition (and its subcommands); its run hands `done` the result. */
export function register(definition: CommandDefinition, ctx: Context, done: Done): Command {
  const cmd = new Command(definition.name).description(definition.description);
  if (definition.summary !== undefined) cmd.summary(definition.summary);
  for (const a of Object.values(definition.args ?? {})) cmd.argument(a.spec, a.description);
  for (const [key, f] of Object.entries(definition.flags ?? {})) {
    for (const spec of f.options) cmd.addOption(toOption(key, spec, definition.name));
  }
  for (const sub of definition.subcommands ?? []) cmd.addCommand(register(sub, ctx, done));
  if (definition.help !== undefined) cmd.addHelpText("after", definition.help);
  if (definition.helpLater) addHelpTextLater(cmd, definition.helpLater);
  const load = definition.load;
  if (load) {
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const run = await load();
      done(await run(ctx, inputOf(definition, command.processedArgs, command.opts())));
    });
  }
  return cmd;
}
