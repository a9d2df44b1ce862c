import { redact } from "./redact.js";
import { printable } from "../ui/printable.js";

/**
 * A record of a whole conversation, safe to send to support: each line has the time
 * since the start, a direction mark (C: client, S: server, *: TLS and connection
 * events, #: notes) and passes through redact() with the run's secrets.
 */
export class Transcript {
  private readonly entries: string[] = [];
  private readonly started = process.hrtime.bigint();
  private prefix = "";

  constructor(
    private readonly secrets: ReadonlyArray<string | undefined>,
    header?: string,
  ) {
    if (header) this.note(header);
  }

  /** A line the client sent. Pass `masked` for a line that carries a secret: only that text is kept. */
  client(line: string, masked?: string): void {
    this.add("C:", masked ?? line);
  }

  server(line: string): void {
    this.add("S:", line);
  }

  /** Connection and TLS events. */
  event(text: string): void {
    this.add("*", text);
  }

  note(text: string): void {
    this.add("#", text);
  }

  /** Lines from a side probe (an alternative setting) are marked so they stand apart. */
  section<T>(label: string, run: () => Promise<T>): Promise<T> {
    this.note(`--- probe: ${label} ---`);
    const before = this.prefix;
    this.prefix = `${before}[probe] `;
    return run().finally(() => {
      this.prefix = before;
      this.note(`--- end of probe: ${label} ---`);
    });
  }

  lines(): string[] {
    return [...this.entries];
  }

  text(): string {
    return this.entries.join("\n") + "\n";
  }

  private add(mark: string, text: string): void {
    const ms = Number(process.hrtime.bigint() - this.started) / 1e6;
    const stamp = `+${(ms / 1000).toFixed(3)}s`;
    for (const line of text.split(/\r?\n/)) {
      this.entries.push(printable(redact(`${stamp} ${this.prefix}${mark} ${line}`, this.secrets)));
    }
  }
}
