// The Slurm spawner: each server is a batch job submitted as the user (sbatch reading the script
// from stdin), found again through its state blob {job id, user}. All servers are polled with
// one Slurm query per interval; stop is scancel, then waiting until Slurm confirms the job has
// left the queue. A start launched again after a hub restart first cancels the job its earlier
// launch may have left (left-behind.ts). Talks to Slurm only through a SlurmClient (the
// commands, or the slurm-gateway).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isFinalState,
  type JobRef,
  renderBatchScript,
  type SlurmClient,
  SlurmError,
  type SlurmJobRequest,
} from '@hpchub/slurm';
import type { Logger } from 'pino';
import { HubError } from '../../errors/index.js';
import type { PollResult, Spawner, SpawnerState, SpawnRequest } from '../spawner.js';
import { leftBehindCanceller } from './left-behind.js';
import { slurmJob } from './script.js';
import { pollResult } from './states.js';

export interface SlurmSpawnerOptions {
  client: SlurmClient;
  /** Seconds of warning before the time limit (`--signal=B:TERM@N`); 0 for none. */
  signalSeconds: number;
  /** The hub's id, in its jobs' comments (db/hub-id.ts); absent for the doctor's test job. */
  hubId?: string;
  /** How long stop() waits for Slurm to confirm the job has left the queue. */
  stopTimeoutMs: number;
  /** Pause between the queries of that wait. */
  stopPollMs?: number;
  /**
   * How long a start keeps submitting again while the controller cannot be reached at all
   * (slurm.submit_retry_seconds); 0 or absent: it fails at once.
   */
  submitRetryMs?: number;
  /** The first pause before submitting again; each next one doubles, up to `MAX_RETRY_PAUSE_MS`. */
  firstRetryPauseMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

export interface SlurmState {
  kind: 'slurm';
  job: string;
  user: string;
  /** When sbatch accepted the job (ISO 8601). */
  submitted: string;
  /** The warning the job was submitted with, to tell a time-limit end from others. */
  signal_seconds: number;
}

function isSlurmState(state: SpawnerState): state is SpawnerState & SlurmState {
  return (
    state.kind === 'slurm' &&
    typeof state.job === 'string' &&
    /^\d+$/.test(state.job) &&
    typeof state.user === 'string'
  );
}

const refOf = (state: SlurmState): JobRef => ({ id: state.job, user: state.user });

/** The longest pause between two submissions while the controller cannot be reached. */
const MAX_RETRY_PAUSE_MS = 15_000;

/** Whether a failed submission surely never reached the controller, so sending it again is safe. */
const notSent = (err: unknown): boolean =>
  err instanceof SlurmError && err.kind === 'unavailable' && err.notSent;

/** A SlurmError in words for the user (and the HubError code that fits). */
function asHubError(err: unknown, doing: string): HubError {
  if (!(err instanceof SlurmError)) return new HubError('unavailable', `Slurm could not ${doing}.`);
  switch (err.kind) {
    case 'refused':
      return new HubError('bad_request', `Slurm refused the job: ${err.message}`);
    case 'unavailable':
      return new HubError('unavailable', 'Slurm does not answer right now; try again in a few minutes.');
    default:
      return new HubError(
        'unavailable',
        `Slurm could not ${doing}. The administrators can find why in the hub's log.`,
      );
  }
}

export function createSlurmSpawner(options: SlurmSpawnerOptions): Spawner {
  const { client, log } = options;
  const cancelLeftBehind = leftBehindCanceller(client, log);

  async function pollMany(states: SpawnerState[]): Promise<PollResult[]> {
    const refs = states.filter(isSlurmState).map(refOf);
    // One query for every job, whatever their number and owners.
    const answers = refs.length > 0 ? await client.query(refs) : new Map();
    return states.map((state) =>
      isSlurmState(state)
        ? pollResult(answers.get(state.job), state.signal_seconds)
        : { status: 'stopped', reason: 'unknown', detail: 'no Slurm job was recorded' },
    );
  }

  /**
   * Submits, and while the controller cannot be reached at all (a restart, a failover) submits
   * again after growing pauses until `submitRetryMs` has passed, telling the user; any other
   * failure, or one where the job may have reached Slurm, ends the start at once.
   */
  async function submitting(request: SpawnRequest, submit: () => Promise<string>): Promise<string> {
    const { serverName: server, account } = request;
    const deadline = Date.now() + (options.submitRetryMs ?? 0);
    let pause = options.firstRetryPauseMs ?? 2000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await submit();
      } catch (err) {
        const message = (err as Error).message;
        const retry = notSent(err) && Date.now() + pause < deadline;
        log?.warn({ user: account.name, server, attempt, err: message, retry }, 'sbatch failed');
        if (!retry) throw asHubError(err, 'accept the job');
        request.waiting?.note(
          `The Slurm controller cannot be reached (attempt ${attempt}); the job is submitted again in ${Math.round(pause / 1000)} s.`,
        );
        await sleep(pause);
        pause = Math.min(pause * 2, MAX_RETRY_PAUSE_MS);
        // Stopped meanwhile: nothing is submitted (the start has ended already).
        if (!(await (request.waiting?.stillWanted() ?? true))) throw asHubError(err, 'accept the job');
      }
    }
  }

  return {
    id: 'slurm',
    // A submitted job waits in Slurm's queue; the hub's start slots are not a second line for it.
    queuesJobs: true,

    async start(request) {
      const system = request.account.system;
      if (!system) {
        throw new HubError(
          'account_unusable',
          'Servers run as Slurm jobs under your cluster account, and this hub account is not one. Sign in with your cluster account.',
        );
      }
      const user = request.account.name;
      let script: string;
      let structured: SlurmJobRequest;
      try {
        structured = slurmJob(request, { signalSeconds: options.signalSeconds, hubId: options.hubId });
        script = renderBatchScript(structured, system.home);
      } catch (err) {
        // Validated options never get here; a home directory with odd characters can.
        throw new HubError(
          'account_unusable',
          `Your job cannot be written safely: ${(err as Error).message}.`,
        );
      }
      // Launched again after a restart: first the job of the earlier launch, if Slurm has one
      // (looked for again before each new attempt while Slurm does not answer).
      let cleared = !request.relaunch;
      const job = await submitting(request, async () => {
        if (!cleared) cleared = await cancelLeftBehind(user, structured.comment ?? '');
        // The CLI client submits the script; the gateway client sends the structured job instead.
        return client.submit({ user, script, structured });
      });
      log?.info({ user, server: request.serverName, job }, 'Slurm job submitted');
      const state: SlurmState = {
        kind: 'slurm',
        job,
        user,
        submitted: new Date().toISOString(),
        signal_seconds: options.signalSeconds,
      };
      return { ...state };
    },

    async poll(state) {
      return (await pollMany([state]))[0] as PollResult;
    },

    pollMany,

    async stop(state) {
      if (!isSlurmState(state)) return;
      const ref = refOf(state);
      try {
        await client.cancel(ref);
      } catch (err) {
        log?.warn({ job: ref.id, err: (err as Error).message }, 'scancel failed');
        throw asHubError(err, 'cancel the job');
      }
      // Confirmed only when Slurm says the job has ended (or has forgotten it).
      const deadline = Date.now() + options.stopTimeoutMs;
      for (;;) {
        const answer = (await client.query([ref])).get(ref.id);
        if (answer?.kind === 'gone' || (answer?.kind === 'job' && isFinalState(answer.job.state))) return;
        if (Date.now() > deadline) {
          throw new HubError(
            'unavailable',
            `Slurm has not ended job ${ref.id} yet; it is recorded as stopped once it has.`,
          );
        }
        await sleep(options.stopPollMs ?? 500);
      }
    },
  };
}
