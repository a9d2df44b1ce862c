import { describe, expect, it } from "vitest";
import { CommanderError } from "commander";
import { arg, blankInput, defineCommand, flag, register, required, runWith, type Input } from "../../src/cli/definition.js";
import { createContext } from "../../src/context.js";
import type { CommandResult } from "../../src/commands/shared.js";

const args = { target: arg.optional("[target]"), rest: arg.rest("[words...]") };
const flags = {
  all: flag.on("--all", "every one"),
  send: flag.off("--no-send", "send nothing"),
  discover: flag.pair("--discover", "look it up", "--no-discover", "do not look it up"),
  port: flag.textWithDefault("--port <port>", "the port", "2525"),
  ca: flag.list("--ca <file>", "a CA; repeatable"),
  to: required(flag.list("--to <address>", "recipients")),
  type: flag.choice("--type <type>", "service type", ["webmail", "exchange"] as const),
  transcript: flag.optionalText("--transcript [file]", "record it"),
};
type Seen = Input<typeof args, typeof flags>;

/** Parses argv with a definition of every flag kind; returns what its run function received. */
async function parse(argv: string[]): Promise<Seen> {
  let seen: Seen | undefined;
  const definition = defineCommand({
    name: "try",
    description: "a command with every kind of flag",
    args,
    flags,
    load: async () => async (_ctx, input) => {
      seen = input;
      return {};
    },
  });
  let result: CommandResult | undefined;
  const cmd = register(definition, createContext(), (r) => (result = r)).exitOverride();
  cmd.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  await cmd.parseAsync(argv, { from: "user" });
  expect(result).toEqual({});
  return seen as Seen;
}

describe("a command definition", () => {
  it("gives the run function every argument and flag by name, absent ones filled in", async () => {
    expect(await parse(["--to", "a@x.test"])).toEqual({
      target: undefined,
      rest: [],
      all: false,
      send: true,
      discover: undefined,
      port: "2525",
      ca: undefined,
      to: ["a@x.test"],
      type: undefined,
      transcript: undefined,
    });
  });

  it("reads each kind of flag as its type says", async () => {
    const seen = await parse(["company", "x", "y", "--all", "--no-send", "--no-discover", "--port", "465", "--ca", "a.pem", "--ca", "b.pem", "--to", "a@x.test", "--type", "exchange", "--transcript"]);
    expect(seen).toMatchObject({ target: "company", rest: ["x", "y"], all: true, send: false, discover: false, port: "465", ca: ["a.pem", "b.pem"], type: "exchange", transcript: true });
    expect((await parse(["--to", "a@x.test", "--discover", "--transcript", "t.txt"])).discover).toBe(true);
    expect((await parse(["--to", "a@x.test", "--transcript", "t.txt"])).transcript).toBe("t.txt");
  });

  it("refuses a missing required flag and a value outside the choices", async () => {
    await expect(parse([])).rejects.toThrow(CommanderError);
    await expect(parse(["--to", "a@x.test", "--type", "gmail"])).rejects.toThrow(/Allowed choices are webmail, exchange/);
  });

  it("refuses, when the program is built, a flag declared under another name than commander reads it by", () => {
    const wrong = defineCommand({ name: "wrong", description: "a flag under the wrong key", flags: { timeoutSeconds: flag.text("--timeout <s>", "x") } });
    expect(() => register(wrong, createContext(), () => undefined)).toThrow(/flag --timeout <s> is declared as "timeoutSeconds"/);
  });

  it("runs another command as if only the given flags were on its command line", async () => {
    let seen: unknown;
    const other = defineCommand({
      name: "other",
      description: "run by another command",
      flags: { all: flag.on("--all", "x"), send: flag.off("--no-send", "y") },
      load: async () => async (_ctx, input) => ((seen = input), { data: { ran: true } }),
    });
    expect(blankInput(other)).toEqual({ all: false, send: true });
    expect(await runWith(other, createContext(), { all: true })).toEqual({ data: { ran: true } });
    expect(seen).toEqual({ all: true, send: true });
  });

  it("the webmail presets completion offers are the presets setup knows", async () => {
    const { providerFlags } = await import("../../src/cli/flags.js");
    const { WEBMAIL_PRESETS } = await import("../../src/providers/presets.js");
    expect(providerFlags.preset.options[0]?.values).toEqual(WEBMAIL_PRESETS.map((p) => p.id));
  });
});
