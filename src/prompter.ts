import { CancelledError } from "./errors.js";

/** The narrow set of questions a wizard asks. Tests answer them by message text. */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompter {
  /** `signal` withdraws the question when the answer arrived another way (e.g. from the browser). */
  text(q: { message: string; default?: string; validate?: (v: string) => true | string; signal?: AbortSignal }): Promise<string>;
  password(q: { message: string; validate?: (v: string) => true | string }): Promise<string>;
  select<T>(q: { message: string; choices: Array<Choice<T>>; default?: T }): Promise<T>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
}

/**
 * The terminal prompter: @inquirer/prompts, loaded on first use, drawing on stderr so
 * stdout stays clean for results. Ctrl+C becomes a CancelledError (exit 130).
 */
export function inquirerPrompter(output: NodeJS.WritableStream): Prompter {
  const load = async () => import("@inquirer/prompts");
  const ctx = { output: output as NodeJS.WriteStream, clearPromptOnDone: false };
  const cancellable = async <T>(ask: () => Promise<T>): Promise<T> => {
    try {
      return await ask();
    } catch (err) {
      if (err instanceof Error && (err.name === "ExitPromptError" || err.name === "AbortPromptError")) {
        throw new CancelledError();
      }
      throw err;
    }
  };
  return {
    async text(q) {
      const p = await load();
      return cancellable(() => p.input({ message: q.message, default: q.default, validate: q.validate }, { ...ctx, signal: q.signal }));
    },
    async password(q) {
      const p = await load();
      return cancellable(() => p.password({ message: q.message, mask: "*", validate: q.validate }, ctx));
    },
    async select<T>(q: { message: string; choices: Array<Choice<T>>; default?: T }) {
      const p = await load();
      return cancellable(() => p.select<T>({ message: q.message, choices: q.choices, default: q.default }, ctx));
    },
    async confirm(q) {
      const p = await load();
      return cancellable(() => p.confirm({ message: q.message, default: q.default }, ctx));
    },
  };
}

/** Used when stdin is not a terminal: any question is a bug, so say which flag is missing. */
export const noPrompter: Prompter = {
  text: async (q) => refuse(q.message),
  password: async (q) => refuse(q.message),
  select: async (q) => refuse(q.message),
  confirm: async (q) => refuse(q.message),
};

function refuse(message: string): never {
  throw new Error(`internal: prompted "${message}" without a terminal`);
}
