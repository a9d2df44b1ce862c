/** One small colour theme; colour only when stderr is a terminal and NO_COLOR is unset. */
export interface Theme {
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cmd(s: string): string;
}

// Six styles from the basic 16-colour set need no library: loading chalk (its colour
// detection imports node:process, which sets up the stdio streams) cost every run about
// as much as commander. The output is chalk's at level 1, byte for byte (see the test).
const ESC = "\u001B";

/** Wraps text in one SGR style the way chalk does: an inner close code re-opens the style, and each line is closed and re-opened. */
function sgr(open: number, close: number): (s: string) => string {
  const on = `${ESC}[${open}m`;
  const off = `${ESC}[${close}m`;
  return (s) => {
    if (!s) return s;
    let text = s.includes(ESC) ? s.split(off).join(off + on) : s;
    if (text.includes("\n")) text = text.replace(/\r?\n/g, (nl) => off + nl + on);
    return on + text + off;
  };
}

const plain = (s: string): string => s;

export function makeTheme(color: boolean): Theme {
  if (!color) return { ok: plain, bad: plain, warn: plain, dim: plain, bold: plain, cmd: plain };
  return {
    ok: sgr(32, 39), // green
    bad: sgr(31, 39), // red
    warn: sgr(33, 39), // yellow
    dim: sgr(2, 22),
    bold: sgr(1, 22),
    cmd: sgr(36, 39), // cyan
  };
}
