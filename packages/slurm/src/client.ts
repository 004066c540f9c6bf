// The Slurm client contract: the five things hpchub asks of a Slurm cluster. Two implementations
// fit it: the command-line client in ./cli (sbatch, squeue, sacct, scancel, sinfo and scontrol,
// run as the user through a prefix such as `sudo -n -u {user}`), and the slurm-gateway client,
// which asks a small REST service that holds those rights instead of the hub. Both pass the
// conformance suite in conformance.ts.
//
// Every method speaks for the scheduler as it is right now: nothing is cached here, and a
// scheduler that does not answer is reported as such ('unknown', or SlurmError 'unavailable'),
// never guessed at.
import type { SlurmJobRequest } from './batch-script.js';

/** A job as hpchub knows it: its id and the account it was submitted as. */
export interface JobRef {
  id: string;
  user: string;
}

/**
 * Slurm's job states (squeue %T, sacct State without "by UID"), e.g. PENDING, RUNNING,
 * COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, PREEMPTED.
 */
export type JobState = string;

/** What Slurm says about one job. Times are ISO 8601 (UTC); absent when Slurm has none. */
export interface JobInfo {
  id: string;
  user: string;
  state: JobState;
  /** Why it waits (Priority, Resources, QOSMaxCpuPerUserLimit…) or why it ended (NonZeroExitCode…). */
  reason?: string;
  /** The node running the batch script. */
  node?: string;
  partition?: string;
  name?: string;
  /** For a pending job, the scheduler's estimate of when it starts (if it has made one). */
  startTime?: string;
  endTime?: string;
  /** The job's time limit in seconds; null when unlimited. */
  timeLimitSeconds?: number | null;
  /** How long it has run (or ran), in seconds. */
  elapsedSeconds?: number;
  /** The batch script's exit status and the signal that ended it, when Slurm reports them. */
  exitCode?: number;
  signal?: number;
  /** Which command answered: the controller's queue, the accounting database, or scontrol. */
  source: 'squeue' | 'sacct' | 'scontrol' | 'gateway';
}

/** The answer for one job of a query. */
export type JobAnswer =
  | { kind: 'job'; job: JobInfo }
  /** Neither the controller nor accounting knows the job (any more). */
  | { kind: 'gone'; detail: string }
  /** Slurm cannot be asked right now (controller or accounting unreachable): keep waiting. */
  | { kind: 'unknown'; detail: string };

export interface SubmitRequest {
  /** The account the job runs as. */
  user: string;
  /** The whole batch script, `#SBATCH` lines included. Holds secrets: never logged, never in argv. */
  script: string;
  /**
   * The same job described by fields, when it was rendered from them (renderBatchScript): a client
   * that renders scripts on the other side (the slurm-gateway) sends this instead of the script.
   */
  structured?: SlurmJobRequest;
}

/** A job of a user that waits or runs, with the comment it was submitted with (`sbatch --comment`). */
export interface ActiveJob {
  id: string;
  user: string;
  /** PENDING, CONFIGURING, RUNNING or SUSPENDED. */
  state: JobState;
  /** '' when the job has none. The job's owner may change it (`scontrol update`): a hint, not proof. */
  comment: string;
}

export interface PartitionInfo {
  name: string;
  /** The partition jobs go to when they name none. */
  isDefault: boolean;
  /** Whether it accepts and starts jobs (State=UP). */
  up: boolean;
  /** Most CPUs one job may use on one node: the largest node, capped by MaxCPUsPerNode. */
  maxCpusPerNode: number;
  /** Most memory (MB) one job may use on one node: the largest node, capped by MaxMemPerNode. */
  maxMemoryMbPerNode: number;
  /** Most GPUs (gres gpu) of one node. */
  maxGpusPerNode: number;
  /** MaxTime in seconds; null when unlimited. */
  maxTimeSeconds: number | null;
  /** Unix groups allowed to use it (AllowGroups); null for all. */
  allowGroups: string[] | null;
  /** Accounts allowed (AllowAccounts); null for all. */
  allowAccounts: string[] | null;
  /** Nodes in the partition. */
  nodes: number;
}

export interface ClusterInfo {
  partitions: PartitionInfo[];
}

export type SlurmErrorKind =
  /** The controller (or the gateway) did not answer: try again later. */
  | 'unavailable'
  /** Slurm refused the request (an invalid partition, a limit); `message` says why in Slurm's words. */
  | 'refused'
  /** Anything else: a missing command, an unexpected answer. */
  | 'failed';

export class SlurmError extends Error {
  /**
   * The request never reached the controller (it could not be connected to): sending it again
   * cannot make a second job. False when it may have arrived (a timeout after sending).
   */
  readonly notSent: boolean;

  constructor(
    readonly kind: SlurmErrorKind,
    message: string,
    /** What the command printed on stderr, for logs. */
    readonly stderr = '',
    options: { notSent?: boolean } = {},
  ) {
    super(message);
    this.name = 'SlurmError';
    this.notSent = options.notSent ?? false;
  }
}

export interface SlurmClient {
  /**
   * Submits a batch script as `user` and resolves with the job id as soon as Slurm has accepted
   * the job (it is durable from then on). Rejects with SlurmError: 'refused' when Slurm said no,
   * 'unavailable' when it could not be asked.
   */
  submit(request: SubmitRequest): Promise<string>;
  /**
   * Where many jobs stand, with one query of the controller for all of them, whatever their
   * number and owners; jobs the controller no longer lists are looked up in accounting before
   * they are ever called 'gone'. Never rejects for an unreachable Slurm: those jobs are 'unknown'.
   * The map has an answer for every requested id.
   */
  query(jobs: JobRef[]): Promise<Map<string, JobAnswer>>;
  /**
   * Cancels the job as its owner (SIGTERM to the job's processes, SIGKILL after KillWait).
   * Resolves also when the job has already ended or is unknown; rejects with SlurmError
   * 'unavailable' when Slurm could not be asked.
   */
  cancel(job: JobRef): Promise<void>;
  /**
   * The jobs of `user` that wait or run (PENDING, CONFIGURING, RUNNING, SUSPENDED), with their
   * comments, asked of the controller as that user; never another user's. Rejects with SlurmError:
   * 'unavailable' when Slurm could not be asked, 'refused' when the caller may not ask (a gateway
   * token without the `list` endpoint), 'failed' otherwise (a user name that is not an account's).
   */
  listJobs(user: string): Promise<ActiveJob[]>;
  /** Partitions and what one job may use in each. Rejects with SlurmError 'unavailable'. */
  clusterInfo(): Promise<ClusterInfo>;
}

/** States in which a job still holds (or waits for) resources. */
const ACTIVE_STATES = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESV_DEL_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'STOPPED',
]);

/** Whether a job in this state has left the queue for good. */
export function isFinalState(state: JobState): boolean {
  return !ACTIVE_STATES.has(state);
}
