// Fake spawners for tests of everything around spawning (orchestrator, API, pages): they
// launch nothing, and behave like a job that starts at once, after a while, never, or fails.
// They pass the same conformance suite as the real spawners.
import { randomUUID } from 'node:crypto';
import { renderJobScript } from '@hpchub/protocol';
import type { AppField } from '../apps/definition.js';
import { HubError } from '../errors/index.js';
import type { PollResult, Spawner, SpawnerState, SpawnRequest } from '../spawn/spawner.js';

export type FakeBehaviour =
  /** Running from the first poll. */
  | 'instant'
  /** Pending (queued, with a reason) for `pendingPolls` polls, then running. */
  | 'slow'
  /** Pending forever. */
  | 'never'
  /** start() is refused. */
  | 'refuse'
  /** Starts, then the job fails at the first poll. */
  | 'crash';

interface Job {
  polls: number;
  /** When the job started (ms), for its time limit. */
  startedAt: number;
  stopped: boolean;
  request: SpawnRequest;
  script: string;
}

export interface FakeSpawner extends Spawner {
  /** The script rendered for the latest start of a server (tests read the secret from it, as the agent would). */
  scriptOf(serverId: number): string | undefined;
  /** Jobs currently not stopped. */
  liveJobs(): number;
  /** The server ids of every start() so far, in the order the hub launched them. */
  readonly launched: number[];
  /** How many times pollMany() was called, and with how many states in total. */
  readonly calls: { pollMany: number; polled: number };
}

export interface FakeSpawnerOptions {
  /** Polls a 'slow' job stays pending. */
  pendingPolls?: number;
  /** Resource fields it adds to the spawn form, as the Slurm spawner does. */
  fields?: AppField[];
}

export function createFakeSpawner(behaviour: FakeBehaviour, options: FakeSpawnerOptions = {}): FakeSpawner {
  const jobs = new Map<string, Job>();
  const latest = new Map<number, string>();
  const calls = { pollMany: 0, polled: 0 };
  const launched: number[] = [];

  /** A running job, ending at its time limit (`hours`) when it has one, as Slurm's do. */
  function running(job: Job): PollResult {
    const hours = job.request.resources.hours;
    return typeof hours === 'number'
      ? {
          status: 'running',
          host: 'fake-node',
          endsAt: new Date(job.startedAt + hours * 3_600_000).toISOString(),
        }
      : { status: 'running', host: 'fake-node' };
  }

  function poll(state: SpawnerState): PollResult {
    const job = typeof state.job === 'string' ? jobs.get(state.job) : undefined;
    if (!job || job.stopped) return { status: 'stopped', reason: job ? 'cancelled' : 'unknown' };
    job.polls += 1;
    switch (behaviour) {
      case 'instant':
        return running(job);
      case 'slow':
        return job.polls > (options.pendingPolls ?? 2)
          ? running(job)
          : {
              status: 'pending',
              detail: { reason: 'Resources', estimatedStart: new Date(Date.now() + 60_000).toISOString() },
            };
      case 'never':
        return { status: 'pending', detail: { reason: 'Priority' } };
      case 'crash':
        job.stopped = true;
        return { status: 'stopped', reason: 'failed', exitCode: 1, detail: 'the fake job failed' };
      case 'refuse':
        return { status: 'stopped', reason: 'unknown' };
    }
  }

  return {
    id: `fake-${behaviour}`,
    // Jobs that poll as pending stand for a scheduler's queue, as Slurm's do.
    queuesJobs: behaviour === 'slow' || behaviour === 'never',
    calls,
    launched,
    async start(request) {
      launched.push(request.serverId);
      if (behaviour === 'refuse') throw new HubError('unavailable', 'The fake scheduler refused the job.');
      const id = randomUUID();
      const script = renderJobScript({ ...request.job, header: ['# fake'], prologue: [] });
      jobs.set(id, { polls: 0, startedAt: Date.now(), stopped: false, request, script });
      latest.set(request.serverId, id);
      return { kind: 'fake', job: id };
    },
    async poll(state) {
      return poll(state);
    },
    async pollMany(states) {
      calls.pollMany += 1;
      calls.polled += states.length;
      return states.map(poll);
    },
    async stop(state) {
      const job = typeof state.job === 'string' ? jobs.get(state.job) : undefined;
      if (job) job.stopped = true;
    },
    ...(options.fields && { formFields: async () => options.fields ?? [] }),
    scriptOf(serverId) {
      const id = latest.get(serverId);
      return id ? jobs.get(id)?.script : undefined;
    },
    liveJobs() {
      return [...jobs.values()].filter((j) => !j.stopped).length;
    },
  };
}
