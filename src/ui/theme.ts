import { Chalk } from "chalk";

/** One small colour theme; colour only when stderr is a terminal and NO_COLOR is unset. */
export interface Theme {
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cmd(s: string): string;
}

export function makeTheme(color: boolean): Theme {
  const c = new Chalk({ level: color ? 1 : 0 });
  return {
    ok: (s) => c.green(s),
    bad: (s) => c.red(s),
    warn: (s) => c.yellow(s),
    dim: (s) => c.dim(s),
    bold: (s) => c.bold(s),
    cmd: (s) => c.cyan(s),
  };
}
