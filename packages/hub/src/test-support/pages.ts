// Helpers for tests of the pages (HTTP-level and in Chromium): a hub with a fake spawner, the
// test standing in for the agent (it reads the server's secret from the job script, as the
// agent reads it from its environment), and resource fields like the Slurm spawner's, with
// limits per partition, so the spawn form can be tested without a cluster.
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_ENV, AGENT_SECRET_HEADER, type AgentHeartbeat } from '@hpchub/protocol';
import type { AppField } from '../apps/definition.js';
import type { HubConfig } from '../config/index.js';
import type { Clock } from '../util/time.js';
import { createFakeSpawner, type FakeBehaviour, type FakeSpawner } from './fake-spawner.js';
import { TestHub } from './hub.js';

/** Partitions `short` (1 core, 2 GB, 1 h) and `normal` (16 cores, 64 GB, 24 h), like a small cluster. */
export const RESOURCE_FIELDS: AppField[] = [
  {
    name: 'partition',
    type: 'choice',
    label: 'Partition',
    help: 'The part of the cluster the job runs in; the limits below depend on it.',
    choices: ['short', 'normal'],
    default: 'normal',
  },
  {
    name: 'cores',
    type: 'integer',
    label: 'Number of cores',
    help: 'CPU cores reserved for the job.',
    minimum: 1,
    maximum: 16,
    default: 2,
    limits_by: { field: 'partition', maximum: { short: 1, normal: 16 } },
  },
  {
    name: 'memory_gb',
    type: 'integer',
    label: 'Total memory (GB)',
    help: 'Memory for the whole job.',
    minimum: 1,
    maximum: 64,
    default: 4,
    limits_by: { field: 'partition', maximum: { short: 2, normal: 64 } },
  },
  {
    name: 'hours',
    type: 'integer',
    label: 'Run time (hours)',
    help: 'The job ends after this time.',
    minimum: 1,
    maximum: 24,
    default: 4,
    limits_by: { field: 'partition', maximum: { short: 1, normal: 24 } },
  },
];

export interface PagesScene {
  hub: TestHub;
  spawner: FakeSpawner;
}

/**
 * A hub with a fake spawner; with `resources`, the spawn form has the fields above; with
 * `moduleTree` (a test module tree, test-support/modules.ts), the modules listed from it.
 */
export async function startPagesHub(
  opts: {
    behaviour?: FakeBehaviour;
    resources?: boolean;
    moduleTree?: string;
    configure?: (c: HubConfig) => void;
    now?: Clock;
  } = {},
): Promise<PagesScene> {
  const spawner = createFakeSpawner(opts.behaviour ?? 'instant', {
    pendingPolls: 2,
    ...(opts.resources && { fields: RESOURCE_FIELDS }),
  });
  const hub = await TestHub.start({
    spawner,
    ...(opts.now && { now: opts.now }),
    configure: (c) => {
      c.spawner.poll_interval_seconds = 1;
      if (opts.moduleTree) c.modules.use = [opts.moduleTree];
      opts.configure?.(c);
    },
  });
  // The listing the hub started in the background, finished.
  if (opts.moduleTree) await hub.running.app.spawning.modules.refresh();
  return { hub, spawner };
}

export async function serverIdOf(hub: TestHub, user: string, server = ''): Promise<number> {
  const row = await hub.hub.db
    .selectFrom('servers')
    .innerJoin('users', 'users.id', 'servers.user_id')
    .select('servers.id')
    .where('users.name', '=', user)
    .where('servers.name', '=', server)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The test standing in for a server's agent: its messages, sent with the server's secret. */
export async function agentOf(scene: PagesScene, user: string, server: string) {
  return agentById(scene, await serverIdOf(scene.hub, user, server));
}

/** The agent of the job launched for server `id` (as agentOf). */
export function agentById(scene: PagesScene, id: number) {
  const script = scene.spawner.scriptOf(id) ?? '';
  const secret = new RegExp(`^export ${AGENT_ENV.secret}='([^']*)'$`, 'm').exec(script)?.[1];
  if (!secret) throw new Error(`no agent secret in the job script of server ${id}`);
  // Like the real agent, asks again while the hub answers 503 (a launch not saved yet).
  const post = async (path: string, body: unknown) => {
    for (let attempt = 1; ; attempt++) {
      const res = await scene.hub.api('POST', `/agent/servers/${id}/${path}`, {
        body,
        headers: { [AGENT_SECRET_HEADER]: secret },
      });
      if (res.status === 204) return;
      if (res.status !== 503 || attempt === 200)
        throw new Error(`agent ${path} answered ${res.status}: ${res.text}`);
      await sleep(10);
    }
  };
  return {
    /** The server's secret, as the agent has it. */
    secret,
    progress: (message: string) => post('progress', { message }),
    /** The app answers (at a made-up address: tests that open it intercept the request). */
    ready: () => post('ready', { host: '127.0.0.1', port: 9, fingerprint: 'ab'.repeat(32) }),
    /** The app could not start: the agent gives up with a message for the user. */
    fail: (message: string) => post('stopping', { reason: 'app_failed_to_start', message }),
    /** A heartbeat: the traffic's last activity and what the app says of its use. */
    heartbeat: (body: AgentHeartbeat) => post('heartbeat', body),
  };
}

/** What the agent does when the app answers: progress, then ready. */
export async function agentReports(
  scene: PagesScene,
  user: string,
  server: string,
  messages: string[] = ['Starting JupyterLab'],
): Promise<void> {
  const agent = await agentOf(scene, user, server);
  for (const message of messages) await agent.progress(message);
  await agent.ready();
}
