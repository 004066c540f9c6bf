// The app's process: started in a process group of its own, so that stopping it reaches every
// process it started (a Jupyter terminal, a code-server extension host) and nothing is left
// orphaned; stopped with SIGTERM to the group, then SIGKILL after a grace period.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import type { AppOutput } from './app-output.js';
import { withTimeout } from './timing.js';

/** How the app's process ended. */
export type AppEnd =
  | { kind: 'spawn-error'; error: NodeJS.ErrnoException }
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null };

/** Exit code as a shell reports it: the code, or 128 + the signal's number. */
export function exitCodeOf(end: AppEnd & { kind: 'exit' }): number {
  if (end.code !== null) return end.code;
  return 128 + (end.signal ? (os.constants.signals[end.signal] ?? 0) : 0);
}

export class AppProcess {
  /** Settles once: the process could not be started, or it exited and its output was read. */
  readonly ended: Promise<AppEnd>;
  private readonly child: ChildProcess;
  private exited = false;

  constructor(argv: readonly string[], env: NodeJS.ProcessEnv, output: AppOutput) {
    const [file, ...args] = argv as [string, ...string[]];
    this.child = spawn(file, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => output.write('stdout', chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => output.write('stderr', chunk));
    this.ended = new Promise((resolve) => {
      this.child.once('error', (error: NodeJS.ErrnoException) => {
        // 'error' also fires for a failed kill; only a process that never ran ends here.
        if (this.child.pid === undefined) {
          this.exited = true;
          resolve({ kind: 'spawn-error', error });
        }
      });
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        // Read what is still in the pipes, but do not wait for a grandchild that kept them open.
        withTimeout(once(this.child, 'close'), 500).then(() => {
          output.flush();
          resolve({ kind: 'exit', code, signal });
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * SIGTERM to the app's process group, SIGKILL to the group after `graceMs` if the app is still
   * there, and SIGKILL to whatever is left of the group once the app itself has exited.
   * Idempotent; resolves when the app has exited.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.child.pid === undefined) return;
    if (!this.exited) {
      this.signalGroup('SIGTERM');
      if ((await withTimeout(this.ended, graceMs)) === 'timeout') this.signalGroup('SIGKILL');
    }
    await this.ended;
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch (err) {
      // ESRCH: the group is already gone.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
