/**
 * The one prompter the tests answer the wizard with: a script of questions in the order
 * they are asked, each matched by a fragment of its message (or a regex), each answered
 * once. A question out of order, or after the script is done, fails the test with both
 * the question asked and the one expected, so a test fails loudly when the wizard changes.
 */
import type { Choice, Prompter } from "../../src/prompter.js";

export interface Asked {
  kind: "text" | "password" | "select" | "confirm";
  message: string;
  default?: unknown;
  /** A select's choices by name, as the user sees them. */
  choices?: string[];
  /** A select's choices by value, as the command receives them. */
  values?: unknown[];
  /** A text or password prompt's check of what is typed. */
  validate?: (v: string) => true | string;
}

/**
 * What a step answers: a string (typed, or for a select the choice with that value or
 * whose name contains it), a boolean (confirm), or a function of the question (which
 * may also assert on it) returning either.
 */
export type Answer = string | boolean | ((q: Asked) => unknown);

export type Step = [match: string | RegExp, answer: Answer];

export interface ScriptedPrompter extends Prompter {
  /** Every question asked so far, in order. */
  asked: Asked[];
}

export function scriptedPrompter(script: Step[]): ScriptedPrompter {
  const steps = [...script];
  const asked: Asked[] = [];
  const answer = async (q: Asked): Promise<unknown> => {
    const { validate: _, ...rest } = q;
    asked.push(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as unknown as Asked);
    const [match, a] = steps[0] ?? [];
    const expected = match === undefined ? "the script is done" : `next in the script: ${String(match)}`;
    if (match === undefined || !(typeof match === "string" ? q.message.includes(match) : match.test(q.message))) {
      throw new Error(`unexpected ${q.kind} question "${q.message}" (${expected})`);
    }
    steps.shift();
    return typeof a === "function" ? a(q) : a;
  };
  const typed = async (q: Asked): Promise<string> => {
    const v = await answer(q);
    if (typeof v !== "string") throw new Error(`expected a string answer to "${q.message}", got ${String(v)}`);
    const ok = q.validate?.(v) ?? true;
    if (ok !== true) throw new Error(`the answer "${v}" to "${q.message}" was refused by the prompt: ${ok}`);
    return v;
  };
  return {
    asked,
    text: async (q) => typed({ kind: "text", message: q.message, default: q.default, validate: q.validate }),
    password: async (q) => typed({ kind: "password", message: q.message, validate: q.validate }),
    async select<T>(q: { message: string; choices: Array<Choice<T>>; default?: T }): Promise<T> {
      const names = q.choices.map((c) => c.name);
      const a = await answer({ kind: "select", message: q.message, default: q.default, choices: names, values: q.choices.map((c) => c.value) });
      if (typeof a !== "string") return a as T;
      const choice = q.choices.find((c) => c.value === a) ?? q.choices.find((c) => c.name.toLowerCase().includes(a.toLowerCase()));
      if (!choice) throw new Error(`no choice "${a}" in "${q.message}": ${names.join(" | ")}`);
      return choice.value;
    },
    async confirm(q) {
      const a = await answer({ kind: "confirm", message: q.message, default: q.default });
      if (typeof a !== "boolean") throw new Error(`expected true/false for "${q.message}", got ${String(a)}`);
      return a;
    },
  };
}
