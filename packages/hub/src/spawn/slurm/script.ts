// The Slurm part of a server's job script: `#SBATCH` lines from the validated resource options,
// and a prologue that sends the job's output to the user's hpchub log. The body (agent
// environment, custom script, `exec` of the agent) is the same for every spawner (job-script.ts).
//
// sbatch reads `#SBATCH` lines itself, without a shell, but a value with a space or a quote
// could still change what a line means: every value here must match a narrow pattern, and
// anything else is refused (validated options never contain such values; this is the second lock).
import { hoursToSlurmTime } from '@hpchub/slurm';
import { homePath, renderJobScript, shellQuote } from '../job-script.js';
import type { SpawnRequest } from '../spawner.js';

const WORD = /^[A-Za-z0-9._-]{1,64}$/;
const HOME = /^\/[A-Za-z0-9._@+/-]{0,1000}$/;

export interface SlurmScriptOptions {
  /** Seconds before the time limit at which Slurm sends SIGTERM to the batch shell (the agent). */
  signalSeconds: number;
}

/** File in the user's home that Slurm writes the job's own output to (before the prologue redirects it). */
export const SLURM_OUTPUT = '.hpchub-slurm.log';

function word(name: string, value: unknown): string {
  if (typeof value !== 'string' || !WORD.test(value)) throw new Error(`${name} is not a plain word`);
  return value;
}

function count(name: string, value: unknown, fallback: number): number {
  const n = value === undefined ? fallback : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new Error(`${name} is not a whole number`);
  return n;
}

/** The `#SBATCH` lines for a request; throws when a value is not what validation lets through. */
export function sbatchHeader(request: SpawnRequest, home: string, options: SlurmScriptOptions): string[] {
  if (!HOME.test(home) || home.includes('/../')) throw new Error('the home directory is not a plain path');
  const r = request.resources;
  const server = request.serverName || 'default';
  const lines = [
    `--job-name=hpchub-${word('app', request.appId)}`,
    // Lets admins (and the tests) tell which server a job belongs to: `squeue -o %k`.
    `--comment=hpchub-server-${count('server id', request.serverId, 0)}-${word('server', server)}`,
  ];
  if (r.partition !== undefined) lines.push(`--partition=${word('partition', r.partition)}`);
  if (r.account !== undefined) lines.push(`--account=${word('account', r.account)}`);
  lines.push(
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${count('cores', r.cores, 1)}`,
    `--mem=${count('memory_gb', r.memory_gb, 1)}G`,
  );
  const gpus = count('gpus', r.gpus, 0);
  if (gpus > 0) lines.push(`--gres=gpu:${gpus}`);
  lines.push(`--time=${hoursToSlurmTime(count('hours', r.hours, 1))}`);
  // B: only the batch shell, which is the agent after `exec`; it stops the app and reports.
  if (options.signalSeconds > 0) lines.push(`--signal=B:TERM@${count('signal', options.signalSeconds, 0)}`);
  lines.push(`--chdir=${home}`, `--output=${home}/${SLURM_OUTPUT}`, '--open-mode=append');
  return lines.map((l) => `#SBATCH ${l}`);
}

/** The job's log in the user's home: the same place the local spawner writes to. */
export function logFile(request: SpawnRequest): string {
  return `.hpchub/logs/${word('server', request.serverName || 'default')}.log`;
}

function prologue(request: SpawnRequest, home: string): string[] {
  const log = logFile(request);
  return [
    `export HOME=${shellQuote(home)}`,
    // sbatch passes the submitting environment on, which is the hub's: start from a clean PATH
    // (spawner.path_prepend, the custom script and modules add to it).
    'export PATH=/usr/local/bin:/usr/bin:/bin',
    'cd "$HOME" || exit 1',
    'mkdir -p "$HOME/.hpchub/logs"',
    `echo "hpchub: Slurm job $SLURM_JOB_ID on $(hostname) at $(date -Is); its log is ~/${log}"`,
    `exec >>${homePath(log)} 2>&1`,
    `echo "hpchub: Slurm job $SLURM_JOB_ID started on $(hostname) at $(date -Is)"`,
  ];
}

/** The whole batch script. It holds the server's secret: it goes to sbatch on stdin, never to a log. */
export function slurmJobScript(request: SpawnRequest, home: string, options: SlurmScriptOptions): string {
  return renderJobScript({
    ...request.job,
    header: sbatchHeader(request, home, options),
    prologue: prologue(request, home),
  });
}
