/**
 * Text from a server, a file or the command line made safe to print on a terminal:
 * escape sequences (ESC), other control characters (CR included: it rewrites the line
 * shown), C1 controls and the bidirectional overrides are shown as inert \xNN / \uNNNN
 * text instead of acting on the terminal. Newlines and tabs are kept.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
