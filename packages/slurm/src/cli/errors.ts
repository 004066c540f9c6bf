// Reading a failed Slurm command: was Slurm unreachable (try again later), did it refuse the
// request (tell the user why), or did something else go wrong (tell the admin)?
import { SlurmError } from '../client.js';
import type { CommandFailure } from '../observer.js';
import type { CommandResult } from './exec.js';

// What the Slurm 22.05 commands print when the controller or slurmdbd does not answer.
const UNREACHABLE = [
  /Unable to contact slurm controller/i,
  /Socket timed out on send\/recv operation/i,
  /Connection refused/i,
  /Zero Bytes were transmitted or received/i,
  /Slurm temporarily unable to accept job/i,
  /Communication connection failure/i,
  /Unable to establish controller machine/i,
  /Problem talking to the database/i,
  /slurmdbd: (?:Connection|Getting)/i,
  /Transport endpoint is not connected/i,
  /Resource temporarily unavailable/i,
];

/**
 * The command could not connect to the controller at all (Slurm's connect failure, printed once
 * its own retries for MessageTimeout ran out): the request never reached it.
 */
const NOT_CONNECTED = /Unable to contact slurm controller \(connect failure\)/i;

/** The accounting storage is not configured: sacct can never answer here. */
export const ACCOUNTING_DISABLED = /accounting storage is disabled/i;

/** squeue/scontrol/scancel for a job id the controller does not know (any more). */
export const INVALID_JOB = /Invalid job id specified/i;

/** scancel for a job that has ended already. */
export const ALREADY_DONE = /already completing or completed|Job has already finished/i;

/** The prefix (sudo, runuser) refused to run the command as the user. */
export const NOT_PERMITTED =
  /a password is required|not allowed to execute|is not in the sudoers|user \S+ does not exist|runuser: /i;

export function unreachable(result: CommandResult): boolean {
  return result.timedOut || UNREACHABLE.some((re) => re.test(result.stderr));
}

/** The class of a command's failure for metrics; null when it exited 0. */
export function failureClass(result: CommandResult): CommandFailure | null {
  if (result.code === 0 && !result.timedOut) return null;
  if (result.spawnError) return 'cannot_run';
  if (result.timedOut) return 'timeout';
  if (unreachable(result)) return 'unreachable';
  if (NOT_PERMITTED.test(result.stderr)) return 'not_permitted';
  if (INVALID_JOB.test(result.stderr) || ALREADY_DONE.test(result.stderr)) return 'invalid_job';
  return 'exit_status';
}

/** The meaningful part of stderr: the last line that says something, without `sbatch: error:`. */
export function lastMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\w+: (?:error|fatal): /, '').trim())
    .filter(Boolean);
  return lines.at(-1) ?? '';
}

/** A SlurmError for a command that did not succeed. */
export function commandError(what: string, result: CommandResult): SlurmError {
  if (result.spawnError) return new SlurmError('failed', `${what} could not run (${result.spawnError}).`);
  if (result.timedOut) return new SlurmError('unavailable', `${what} did not finish in time.`, result.stderr);
  const message = lastMessage(result.stderr) || `exit status ${result.code}`;
  if (unreachable(result))
    return new SlurmError('unavailable', `${what}: ${message}`, result.stderr, {
      notSent: NOT_CONNECTED.test(result.stderr),
    });
  if (NOT_PERMITTED.test(result.stderr))
    return new SlurmError(
      'failed',
      `${what}: the hub may not run Slurm commands as this user (${message}).`,
      result.stderr,
    );
  return new SlurmError('failed', `${what}: ${message}`, result.stderr);
}
