// The Slurm client over Slurm's own commands. Submitting and cancelling run as the job's owner
// through the user prefix (so Slurm's own permission checks apply and jobs run as the user);
// questions about the queue and the partitions run as the hub itself, once for all jobs.
//
// A user's own waiting and running jobs with their comments (listJobs): squeue as the user.
//
// Where a job stands (query): one `squeue --states=all` for every job of every user. A job
// squeue no longer lists is looked up with `sacct` as its owner before it is called gone; an
// unreachable controller or accounting database makes the job 'unknown', never 'gone'.
import { JOB_BASE_PATH } from '@hpchub/protocol';
import {
  type ActiveJob,
  type ClusterInfo,
  type JobAnswer,
  type JobInfo,
  type JobRef,
  type SlurmClient,
  SlurmError,
  type SubmitRequest,
} from '../client.js';
import type { SlurmCommand, SlurmObserver } from '../observer.js';
import { combinePartitions } from '../parse/partitions.js';
import { parseSacct, SACCT_FIELDS, type SacctRecord } from '../parse/sacct.js';
import { parseScontrolJob, parseScontrolPartitions } from '../parse/scontrol.js';
import { parseSinfoNodes, SINFO_FORMAT } from '../parse/sinfo.js';
import {
  ACTIVE_FORMAT,
  ACTIVE_STATES,
  parseActiveJobs,
  parseSqueue,
  SQUEUE_FORMAT,
} from '../parse/squeue.js';
import {
  ACCOUNTING_DISABLED,
  ALREADY_DONE,
  commandError,
  failureClass,
  INVALID_JOB,
  lastMessage,
  NOT_PERMITTED,
  unreachable,
} from './errors.js';
import { type CommandResult, type Exec, execCommand } from './exec.js';
import { asUser, defaultUserPrefix, isSafeUserName } from './prefix.js';

export interface CliSlurmOptions {
  /** argv words in front of a command run as a user, with `{user}` (default: sudo, or runuser as root). */
  userPrefix?: readonly string[];
  /** Directory of sbatch, squeue…; empty: found on PATH. */
  binDir?: string;
  /** How long one command may take before Slurm counts as unreachable. */
  timeoutMs?: number;
  /** Environment of the commands (and, through sbatch, of jobs): a minimal one by default. */
  env?: NodeJS.ProcessEnv;
  /** Replaces running commands (tests). */
  exec?: Exec;
  /** Told how long each command took and how it failed (the hub's metrics). */
  observer?: SlurmObserver;
}

const JOB_ID = /^\d+$/;

/** Only what Slurm commands need: nothing of the hub's own environment reaches a job. */
export function minimalEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: from.PATH || JOB_BASE_PATH, LANG: 'C.UTF-8' };
  for (const key of ['SLURM_CONF', 'TZ']) if (from[key]) env[key] = from[key];
  return env;
}

/** Failed jobs whose exit code squeue cannot show; scontrol can while the controller holds them. */
const NEEDS_EXIT_CODE = new Set(['FAILED', 'OUT_OF_MEMORY']);

export class CliSlurmClient implements SlurmClient {
  private readonly prefix: readonly string[];
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly exec: Exec;

  constructor(private readonly options: CliSlurmOptions = {}) {
    this.prefix = options.userPrefix ?? defaultUserPrefix();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.env = options.env ?? minimalEnv();
    this.exec = options.exec ?? execCommand;
  }

  private command(name: SlurmCommand): string {
    return this.options.binDir ? `${this.options.binDir.replace(/\/$/, '')}/${name}` : name;
  }

  /** Runs a Slurm command as the hub itself, or as `user` through the prefix. */
  private async run(name: SlurmCommand, args: string[], as?: string, stdin?: string): Promise<CommandResult> {
    const argv = [this.command(name), ...args];
    const began = performance.now();
    const result = await this.exec(as === undefined ? argv : asUser(this.prefix, as, argv), {
      stdin,
      timeoutMs: this.timeoutMs,
      env: this.env,
    });
    this.options.observer?.command(name, (performance.now() - began) / 1000, failureClass(result));
    return result;
  }

  async submit({ user, script }: SubmitRequest): Promise<string> {
    if (!isSafeUserName(user)) throw new SlurmError('failed', `"${user}" cannot submit jobs.`);
    // No script argument: sbatch reads the script from standard input.
    const result = await this.run('sbatch', ['--parsable'], user, script);
    const id = result.stdout.trim().split('\n').at(-1)?.split(';')[0]?.trim() ?? '';
    if (result.code === 0 && JOB_ID.test(id)) return id;
    if (result.code === 0)
      throw new SlurmError('failed', `sbatch printed no job id: ${result.stdout.trim()}`);
    const error = commandError('sbatch', result);
    // Anything but an unreachable controller, a missing command or a refused prefix is Slurm
    // saying no to this job (an invalid partition, an unsatisfiable request, a policy).
    if (error.kind === 'failed' && !result.spawnError && !NOT_PERMITTED.test(result.stderr)) {
      const message = lastMessage(result.stderr).replace(/^Batch job submission failed:\s*/i, '');
      throw new SlurmError('refused', message || 'Slurm refused the job.', result.stderr);
    }
    throw error;
  }

  async query(jobs: JobRef[]): Promise<Map<string, JobAnswer>> {
    const answers = new Map<string, JobAnswer>();
    const refs = new Map<string, JobRef>();
    for (const job of jobs) {
      if (JOB_ID.test(job.id)) refs.set(job.id, job);
      else answers.set(job.id, { kind: 'gone', detail: `"${job.id}" is not a Slurm job id.` });
    }
    if (refs.size === 0) return answers;

    const ids = [...refs.keys()];
    const result = await this.run('squeue', [
      '--noheader',
      '--states=all',
      `--jobs=${ids.join(',')}`,
      `--format=${SQUEUE_FORMAT}`,
    ]);
    // For a single id that the controller has forgotten, squeue fails instead of listing nothing.
    if (result.code !== 0 && !(INVALID_JOB.test(result.stderr) && !unreachable(result))) {
      const detail = commandError('squeue', result).message;
      for (const id of ids) answers.set(id, { kind: 'unknown', detail });
      return answers;
    }
    const listed = new Map<string, JobInfo>();
    for (const job of result.code === 0 ? parseSqueue(result.stdout) : []) {
      // A job with our id but another owner is not ours (ids restart when a controller loses its state).
      if (refs.get(job.id)?.user === job.user) listed.set(job.id, job);
    }
    for (const [id, job] of listed) {
      if (NEEDS_EXIT_CODE.has(job.state)) listed.set(id, await this.withExitCode(job));
      answers.set(id, { kind: 'job', job: listed.get(id) as JobInfo });
    }

    const missing = [...refs.values()].filter((ref) => !listed.has(ref.id));
    const byUser = new Map<string, JobRef[]>();
    for (const ref of missing) byUser.set(ref.user, [...(byUser.get(ref.user) ?? []), ref]);
    for (const [user, owned] of byUser) {
      for (const [id, answer] of await this.fromAccounting(user, owned)) answers.set(id, answer);
    }
    return answers;
  }

  /** squeue shows no exit code; scontrol does, while the controller still holds the job. */
  private async withExitCode(job: JobInfo): Promise<JobInfo> {
    const result = await this.run('scontrol', ['show', 'job', '--oneliner', job.id]);
    const detailed = result.code === 0 ? parseScontrolJob(result.stdout) : undefined;
    if (!detailed || detailed.user !== job.user || detailed.exitCode === undefined) return job;
    return { ...job, exitCode: detailed.exitCode, signal: detailed.signal ?? 0 };
  }

  /** Jobs the controller no longer lists, looked up in accounting as their owner. */
  private async fromAccounting(user: string, refs: JobRef[]): Promise<Map<string, JobAnswer>> {
    const answers = new Map<string, JobAnswer>();
    const ids = refs.map((r) => r.id);
    if (!isSafeUserName(user)) {
      for (const id of ids) answers.set(id, { kind: 'gone', detail: `"${user}" is not an account name.` });
      return answers;
    }
    const result = await this.run(
      'sacct',
      ['--noheader', '--parsable2', '--allocations', `--jobs=${ids.join(',')}`, `--format=${SACCT_FIELDS}`],
      user,
    );
    if (result.code !== 0 && ACCOUNTING_DISABLED.test(result.stderr)) {
      // No accounting on this cluster: the controller was the only witness, and it has forgotten.
      for (const id of ids)
        answers.set(id, {
          kind: 'gone',
          detail: `Slurm no longer lists job ${id}, and this cluster keeps no job accounting.`,
        });
      return answers;
    }
    if (result.code !== 0) {
      const detail = commandError('sacct', result).message;
      for (const id of ids) answers.set(id, { kind: 'unknown', detail });
      return answers;
    }
    const records = parseSacct(result.stdout).filter((r) => r.user === user);
    for (const id of ids) {
      const record = latest(records.filter((r) => r.id === id));
      answers.set(
        id,
        record
          ? { kind: 'job', job: withoutSubmit(record) }
          : { kind: 'gone', detail: `Neither the Slurm queue nor accounting knows job ${id}.` },
      );
    }
    return answers;
  }

  async cancel({ id, user }: JobRef): Promise<void> {
    if (!JOB_ID.test(id)) return;
    const result = await this.run('scancel', [id], user);
    if (result.code === 0) return;
    if (!unreachable(result) && (INVALID_JOB.test(result.stderr) || ALREADY_DONE.test(result.stderr))) return;
    throw commandError('scancel', result);
  }

  async listJobs(user: string): Promise<ActiveJob[]> {
    if (!isSafeUserName(user)) throw new SlurmError('failed', `"${user}" is not an account name.`);
    // As the user, so that a cluster with PrivateData=jobs shows them their own jobs.
    const result = await this.run(
      'squeue',
      ['--noheader', `--user=${user}`, `--states=${ACTIVE_STATES.join(',')}`, `--format=${ACTIVE_FORMAT}`],
      user,
    );
    if (result.code !== 0) throw commandError('squeue', result);
    return parseActiveJobs(result.stdout, user);
  }

  async clusterInfo(): Promise<ClusterInfo> {
    const nodes = await this.run('sinfo', ['--noheader', '--Node', `--format=${SINFO_FORMAT}`]);
    if (nodes.code !== 0) throw commandError('sinfo', nodes);
    const partitions = await this.run('scontrol', ['show', 'partition', '--oneliner']);
    if (partitions.code !== 0) throw commandError('scontrol show partition', partitions);
    return {
      partitions: combinePartitions(
        parseSinfoNodes(nodes.stdout),
        parseScontrolPartitions(partitions.stdout),
      ),
    };
  }
}

/** The record submitted last: a job id may repeat in accounting after a controller lost its state. */
function latest(records: SacctRecord[]): SacctRecord | undefined {
  return records.reduce<SacctRecord | undefined>(
    (best, r) => (!best || (r.submitTime ?? '') >= (best.submitTime ?? '') ? r : best),
    undefined,
  );
}

function withoutSubmit(record: SacctRecord): JobInfo {
  const { submitTime: _submit, ...job } = record;
  return job;
}
