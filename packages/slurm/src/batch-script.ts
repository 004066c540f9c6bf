// The batch script of a server's job, rendered from a structured request: `#SBATCH` lines from
// bounded numbers and plain words, a prologue that moves into the user's home and sends the
// job's output to its hpchub log, then the body every spawner shares (the agent's environment,
// the custom script sourced with the Euler semantics, `exec` of the agent; @hpchub/protocol).
// One renderer for the hub (which submits through the CLI) and the slurm-gateway (which
// submits on a hub's behalf), so a job is the same whichever way it reaches Slurm.
//
// sbatch reads `#SBATCH` lines without a shell, but a value with a space could still change
// what a line means: every value must match a narrow pattern here, whatever validated it
// before (the second lock).

import { posix } from 'node:path';
import type { AgentLaunchSpec } from '@hpchub/protocol';
import {
  BASH_NOW,
  homePath,
  isModuleName,
  JOB_BASE_PATH,
  renderJobScript,
  shellQuote,
} from '@hpchub/protocol';

/** A job described by fields (the slurm-gateway's `POST /v1/jobs` body). */
export interface SlurmJobRequest {
  user: string;
  partition?: string;
  account?: string;
  cpus: number;
  memory_mb: number;
  gpus?: number;
  time_minutes: number;
  job_name: string;
  /** Where Slurm writes the job's own output, relative to the user's home. */
  output: string;
  /** Where the job then writes its log, relative to the user's home (default: .hpchub/logs/<job name>.log). */
  log?: string;
  /** Seconds before the time limit at which the batch shell (the agent) gets SIGTERM; 0: none. */
  signal_seconds?: number;
  comment?: string;
  /** What the job runs: the hpchub agent, with its launch data. */
  job: {
    hub_url: string;
    /** SHA-256 of the hub's certificate, for the agent to pin. */
    hub_fingerprint?: string;
    server_id: number;
    secret: string;
    spec: AgentLaunchSpec;
    custom_script: string;
    /** The app's modules, loaded first. */
    modules: string[];
    /** The user's modules, loaded after the app's. */
    user_modules?: string[];
    /** Init files that make `module` available, tried in order (default: the usual places). */
    module_init?: string[];
    /** Module trees to `module use` before loading. */
    module_use?: string[];
    /** Source the init file even when nothing is loaded (default: on first use of `module`). */
    module_init_always?: boolean;
    path_prepend: string[];
    node_path: string;
    agent_path: string;
    /** `hpchub doctor`'s test job: the agent checks the node and the hub URL instead of starting an app. */
    probe?: boolean;
  };
}

const WORD = /^[A-Za-z0-9._-]{1,64}$/;
/** A comment: a plain word too, long enough for the hub's server id, name and hub id. */
const COMMENT = /^[A-Za-z0-9._-]{1,128}$/;
const HOME = /^\/[A-Za-z0-9._@+/-]{0,1000}$/;
const RELATIVE = /^(?!\/)[A-Za-z0-9._@+/-]{1,255}$/;

function word(name: string, value: string, pattern = WORD): string {
  if (!pattern.test(value)) throw new Error(`${name} is not a plain word`);
  return value;
}

function moduleNames(name: string, values: string[] = []): string[] {
  for (const value of values)
    if (!isModuleName(value)) throw new Error(`${name} has a name that is not a module name`);
  return values;
}

function absolutes(name: string, values: string[] = []): string[] {
  for (const value of values)
    if (!HOME.test(value) || value.split('/').includes('..'))
      throw new Error(`${name} has a path that is not a plain absolute path`);
  return values;
}

function count(name: string, value: number, min = 0): number {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} is not a whole number`);
  return value;
}

function relative(name: string, value: string): string {
  if (!RELATIVE.test(value) || value.split('/').includes('..'))
    throw new Error(`${name} is not a path inside the home directory`);
  return value;
}

/** The `#SBATCH` lines; throws when a value is not what validation lets through. */
export function sbatchLines(job: SlurmJobRequest, home: string): string[] {
  if (!HOME.test(home) || home.split('/').includes('..'))
    throw new Error('the home directory is not a plain path');
  const lines = [`--job-name=${word('job name', job.job_name)}`];
  // Lets admins (and tests) tell which server a job belongs to: `squeue -o %k`.
  if (job.comment !== undefined) lines.push(`--comment=${word('comment', job.comment, COMMENT)}`);
  if (job.partition !== undefined) lines.push(`--partition=${word('partition', job.partition)}`);
  if (job.account !== undefined) lines.push(`--account=${word('account', job.account)}`);
  lines.push(
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${count('cpus', job.cpus, 1)}`,
    `--mem=${count('memory', job.memory_mb, 1)}M`,
  );
  const gpus = count('gpus', job.gpus ?? 0);
  if (gpus > 0) lines.push(`--gres=gpu:${gpus}`);
  lines.push(`--time=${count('time', job.time_minutes, 1)}`);
  // B: only the batch shell, which is the agent after `exec`; it stops the app and reports.
  const signal = count('signal', job.signal_seconds ?? 0);
  if (signal > 0) lines.push(`--signal=B:TERM@${signal}`);
  lines.push(`--chdir=${home}`, `--output=${home}/${relative('output', job.output)}`, '--open-mode=append');
  return lines.map((l) => `#SBATCH ${l}`);
}

/** The whole batch script. It holds the server's secret: it goes to sbatch on stdin, never to a log. */
export function renderBatchScript(job: SlurmJobRequest, home: string): string {
  const log = relative('log', job.log ?? `.hpchub/logs/${word('job name', job.job_name)}.log`);
  const j = job.job;
  return renderJobScript({
    header: sbatchLines(job, home),
    prologue: [
      `export HOME=${shellQuote(home)}`,
      // sbatch passes the submitting environment on: start from a clean PATH (path_prepend, the
      // custom script and modules add to it).
      `export PATH=${JOB_BASE_PATH}`,
      'cd "$HOME" || exit 1',
      // mkdir only the first time: every process the script starts delays the app.
      `[ -d ${homePath(posix.dirname(log))} ] || mkdir -p ${homePath(posix.dirname(log))}`,
      `printf 'hpchub: Slurm job %s on %s at ${BASH_NOW}; its log is ~/%s\\n' "$SLURM_JOB_ID" "$HOSTNAME" -1 ${shellQuote(log)}`,
      `exec >>${homePath(log)} 2>&1`,
      `printf 'hpchub: Slurm job %s started on %s at ${BASH_NOW}\\n' "$SLURM_JOB_ID" "$HOSTNAME" -1`,
    ],
    hubUrl: j.hub_url,
    hubFingerprint: j.hub_fingerprint,
    serverId: j.server_id,
    secret: j.secret,
    spec: j.spec,
    customScript: j.custom_script,
    modules: moduleNames('modules', j.modules),
    userModules: moduleNames('user modules', j.user_modules),
    moduleSystem: {
      init: absolutes('module init', j.module_init),
      use: absolutes('module use', j.module_use),
      initAlways: j.module_init_always === true,
    },
    pathPrepend: j.path_prepend,
    nodePath: j.node_path,
    agentPath: j.agent_path,
    probe: j.probe === true,
  });
}
