// The app's stdout and stderr: split into lines, secrets redacted, each line logged, and the
// last lines kept so that a failed start can tell the user what the app said before it died.
import { redactAll } from './log.js';

/** Longest line kept; a runaway line without newlines must not grow memory without bound. */
const MAX_LINE = 2000;

export class AppOutput {
  private readonly tail: string[] = [];
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly secrets: readonly string[],
    private readonly onLine: (stream: string, line: string) => void,
    private readonly keep = 20,
  ) {}

  /** Feeds a chunk of one stream; complete lines are emitted. */
  write(stream: string, chunk: Buffer | string): void {
    let text = (this.partial.get(stream) ?? '') + chunk.toString();
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      this.line(stream, text.slice(0, nl));
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
    }
    if (text.length > MAX_LINE) {
      this.line(stream, text);
      text = '';
    }
    this.partial.set(stream, text);
  }

  /** Emits what is left of unterminated lines (call when the streams ended). */
  flush(): void {
    for (const [stream, text] of this.partial) if (text !== '') this.line(stream, text);
    this.partial.clear();
  }

  /** The last lines the app printed (both streams, in order), secrets redacted. */
  lastLines(): string[] {
    return [...this.tail];
  }

  private line(stream: string, raw: string): void {
    const text = redactAll(raw.replace(/\r$/, '').slice(0, MAX_LINE), this.secrets);
    this.tail.push(text);
    if (this.tail.length > this.keep) this.tail.shift();
    this.onLine(stream, text);
  }
}

/** `message` followed by the last lines, cut from the front to fit `max` characters. */
export function withOutput(message: string, lines: readonly string[], max = 4000): string {
  if (lines.length === 0) return `${message} It printed nothing.`.slice(0, max);
  const head = `${message} Its last output:\n`;
  let body = lines.join('\n');
  if (head.length + body.length > max) body = `…${body.slice(body.length - (max - head.length - 1))}`;
  return head + body;
}
