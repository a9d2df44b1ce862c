import { describe, expect, it } from "vitest";
import { Chalk } from "chalk";
import { makeTheme } from "../../src/ui/theme.js";

// The theme writes its few styles itself; what a terminal shows must stay what chalk
// printed before, including text that already holds colour codes or line breaks.
describe("theme", () => {
  const chalk = new Chalk({ level: 1 });
  const samples = [
    "",
    "plain",
    "two\nlines",
    "windows\r\nlines\r\n",
    "\n\r\n\nedges\n",
    `already ${chalk.green("green")} and ${chalk.dim("dim")} inside`,
    `${chalk.bold("bold")}\n${chalk.cyan("cyan")}`,
    "a lone \r carriage return",
  ];
  const pairs = [
    ["ok", chalk.green],
    ["bad", chalk.red],
    ["warn", chalk.yellow],
    ["dim", chalk.dim],
    ["bold", chalk.bold],
    ["cmd", chalk.cyan],
  ] as const;

  it.each(pairs)("%s colours exactly as chalk does", (name, reference) => {
    const theme = makeTheme(true);
    for (const s of samples) expect(JSON.stringify(theme[name](s))).toBe(JSON.stringify(reference(s)));
    expect(theme[name]("x")).not.toBe("x");
  });

  it("without colour every style returns the text unchanged", () => {
    const theme = makeTheme(false);
    for (const [name] of pairs) for (const s of samples) expect(theme[name](s)).toBe(s);
  });
});
