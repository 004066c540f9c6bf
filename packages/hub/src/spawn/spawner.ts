// The Spawner contract. A spawner launches a job script somewhere (a local process, a Slurm job)
// and answers questions about it; it keeps no state of its own between calls. Everything it
// needs to find the job again is in the state blob it returns from start(), which the hub
// writes to the database before anything else happens, so a hub restart never loses a job.
//
// Readiness is not the spawner's business: the agent inside the job tells the hub when the app
// answers. The spawner only says whether the job is waiting, running or gone.

import type { JobBody } from '@hpchub/protocol';
import type { AppField } from '../apps/definition.js';
import type { UserRow } from '../db/schema.js';

export type { JobBody };

/** A JSON-serialisable blob, opaque to everything but the spawner that made it. */
export type SpawnerState = Record<string, unknown>;

/** The account a server runs as. */
export interface SpawnAccount {
  /** Hub username. */
  name: string;
  /** The Unix account when the user is a system user (PAM); null for hub-only accounts. */
  system: { uid: number; gid: number; home: string } | null;
}

export interface SpawnRequest {
  serverId: number;
  account: SpawnAccount;
  /** '' for the default server. */
  serverName: string;
  appId: string;
  /**
   * Everything of the job script but the spawner's own header and prologue; the spawner renders
   * it with renderJobScript(). Contains the server's secret: never log it.
   */
  job: JobBody;
  /** Validated resource options (cores, memory_gb, gpus, hours, partition, account) the spawner may use. */
  resources: Record<string, string | number | boolean>;
  /**
   * For a launch that waits to try again (a scheduler that could not be reached): `note` tells
   * the user why on the progress page; `stillWanted` is false once the start was stopped meanwhile.
   */
  waiting?: { note(message: string): void; stillWanted(): Promise<boolean> };
  /**
   * An earlier launch of this same start got as far as the spawner and its job's state was never
   * saved (the hub died in between, after a restart the start is launched again): a job that
   * launch made may wait or run unknown to the hub. A spawner whose jobs can outlive the hub ends
   * such a job before it launches again, if it can find it (Slurm: by the server's job comment);
   * when it cannot tell, it launches all the same. Absent on every other launch, which must not
   * pay for the lookup.
   */
  relaunch?: boolean;
}

/** Why a job ended, as far as the spawner can tell. */
export type EndReason = 'exited' | 'cancelled' | 'time_limit' | 'node_failure' | 'failed' | 'unknown';

export type PollResult =
  /** Not running yet (for Slurm: queued). `detail` is shown on the progress page. */
  | { status: 'pending'; detail?: { reason?: string; estimatedStart?: string } }
  /** `endsAt`: when the scheduler will end the job (its time limit, ISO 8601), if it has one. */
  | { status: 'running'; host?: string; endsAt?: string }
  | { status: 'stopped'; reason: EndReason; exitCode?: number; detail?: string }
  /** The spawner cannot tell right now (scheduler unreachable): keep waiting, never "dead". */
  | { status: 'unknown'; detail: string };

export interface Spawner {
  /** Stable id for configuration and logs: 'local', 'slurm', 'fake-instant'… */
  readonly id: string;
  /**
   * Whether a launched job may wait in a scheduler's own queue before it runs (Slurm). Such a
   * start gives its hub start slot back once the job is submitted, and takes one again when the
   * job runs, until its agent reports in: the scheduler is the line for its queue, the hub's line
   * is for the hub's own work. A spawner that says false must never poll a job as pending.
   */
  readonly queuesJobs: boolean;
  /**
   * Launches the job and resolves as soon as the launch is durable (a pid, a Slurm job id), not
   * when the app is ready. Rejects with a HubError whose message a user can act on when the
   * launch itself fails (no such account, sbatch refused the request).
   */
  start(request: SpawnRequest): Promise<SpawnerState>;
  /**
   * Where the job stands. Must not throw for a job that is gone: that is `stopped`. If the
   * launch has not finished starting, behaves as if it is pending/running.
   */
  poll(state: SpawnerState): Promise<PollResult>;
  /**
   * Polls many jobs at once (one scheduler query for all of them). Same order as `states`.
   * Spawners without a cheaper way implement it as a loop over poll().
   */
  pollMany(states: SpawnerState[]): Promise<PollResult[]>;
  /** Ends the job (SIGTERM first, so the agent can stop the app cleanly). Idempotent. */
  stop(state: SpawnerState): Promise<void>;
  /**
   * The fields this spawner adds to the spawn form of `appId` for `user`, before the app's own
   * (Slurm: partition, cores, GPUs, memory, run time, with the limits of each partition the user
   * may use). Starts are validated against them. None when absent.
   */
  formFields?(user: UserRow, appId: string): Promise<AppField[]>;
}
