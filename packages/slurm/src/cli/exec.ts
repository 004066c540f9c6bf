// Runs one command as an argument vector: never a shell, so nothing in an argument is ever
// interpreted. Standard input carries what must not appear in argv (a batch script holds the
// server's secret, and every user of the machine can read argv with ps).
import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit status; null when the command was killed or could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** It ran longer than allowed and was killed. */
  timedOut: boolean;
  /** It could not be started (ENOENT: no such command). */
  spawnError?: string;
}

export interface ExecOptions {
  stdin?: string;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

/** How commands are run; tests replace it with a scripted one. */
export type Exec = (argv: readonly string[], options: ExecOptions) => Promise<CommandResult>;

const MAX_OUTPUT = 32 * 1024 * 1024;

export const execCommand: Exec = (argv, { stdin, timeoutMs, env }) =>
  new Promise((resolve) => {
    const [command, ...args] = argv;
    if (!command) {
      resolve({ code: null, stdout: '', stderr: '', timedOut: false, spawnError: 'empty command' });
      return;
    }
    const child = spawn(command, args, { env, shell: false, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let settled = false;
    const finish = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
      else child.kill('SIGKILL');
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) =>
      finish({
        code: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        spawnError: `${command}: ${(e as NodeJS.ErrnoException).code ?? e.message}`,
      }),
    );
    child.once('close', (code) =>
      finish({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      }),
    );
    // A command that exits without reading its input must not crash the hub with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
  });
