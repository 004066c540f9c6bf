// Terminal input and output for the CLI: results on stdout (so `hpchub token create` can be
// captured by a script), messages on stderr, passwords read without echo.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** A failure the CLI reports as one line on stderr, with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A wrong command line: printed with a pointer to --help, exit code 2. */
export const usageError = (message: string, command: string): CliError =>
  new CliError(`${message}\nRun \`hpchub ${command} --help\` for usage.`, 2);

export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const processIo: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/**
 * Reads one line: from a terminal with a prompt and without echo, from a pipe as it comes
 * (`echo secret | hpchub user add alice`). An empty stream is an error, not an empty password.
 */
export async function readSecretLine(io: Io, prompt: string): Promise<string> {
  const tty = io.stdin.isTTY === true;
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) io.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: io.stdin, output: tty ? output : undefined, terminal: tty });
  try {
    if (tty) {
      io.stderr.write(prompt);
      muted = true;
    }
    const line = await new Promise<string | null>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(null));
    });
    if (tty) io.stderr.write('\n');
    if (line === null) throw new CliError('No password was given on standard input.');
    return line.replace(/\r$/, '');
  } finally {
    rl.close();
  }
}
