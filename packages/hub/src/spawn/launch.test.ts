// A job whose agent reports in before the hub has saved the job's launch: the hub answers 503
// (the agent asks again) instead of routing to a job it has no record of. Found by the scale
// test: a hub killed between sbatch and saving the job's id launched the start again, and the
// first job's agent was taken as ready for the same server, leaving the second job orphaned.
//
// A launch that takes longer than the start request waits for (spawner.launch_wait_seconds) goes
// on after the request was answered 202: it ends ready, or failed on the start's progress (and in
// the metric of failed starts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_SECRET_HEADER } from '@hpchub/protocol';
import { HubError } from '../errors/index.js';
import { createFakeSpawner } from '../test-support/fake-spawner.js';
import { TestHub } from '../test-support/hub.js';
import { metricValue } from '../test-support/metric-values.js';
import { agentById, serverIdOf } from '../test-support/pages.js';

test('ready before the launch is saved is answered 503, and taken once it is', async () => {
  const inner = createFakeSpawner('instant');
  let release: () => void = () => {};
  const saved = new Promise<void>((resolve) => {
    release = resolve;
  });
  let submitted: () => void = () => {};
  const jobExists = new Promise<void>((resolve) => {
    submitted = resolve;
  });
  // sbatch has answered; the hub has not yet written the job's id (as when it dies right here).
  const spawner = {
    ...inner,
    async start(request: Parameters<typeof inner.start>[0]) {
      const state = await inner.start(request);
      submitted();
      await saved;
      return state;
    },
  };
  const hub = await TestHub.start({ spawner });
  try {
    await hub.addUser('alice');
    const token = await hub.tokenFor('alice');
    const start = hub.api('POST', '/users/alice/server', { token, body: {} });
    await jobExists;
    const id = await serverIdOf(hub, 'alice', '');
    const agent = agentById({ hub, spawner: inner }, id);
    const early = await hub.api('POST', `/agent/servers/${id}/ready`, {
      body: { host: '127.0.0.1', port: 9, fingerprint: 'ab'.repeat(32) },
      headers: { [AGENT_SECRET_HEADER]: agent.secret },
    });
    assert.equal(early.status, 503, early.text);
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending');
    assert.equal(row.route, null);
    release();
    assert.equal((await start).status, 202);
    await agent.ready();
    const user = await hub.api<{ servers: Record<string, { ready: boolean }> }>('GET', '/users/alice', {
      token,
    });
    assert.equal(user.body.servers['']?.ready, true, user.text);
  } finally {
    release();
    await hub.stop();
  }
});

test('a launch longer than spawner.launch_wait_seconds: the request answers pending, the launch goes on', {
  timeout: 60_000,
}, async () => {
  const inner = createFakeSpawner('instant');
  let release: (fail: boolean) => void = () => {};
  const spawner = {
    ...inner,
    async start(request: Parameters<typeof inner.start>[0]) {
      // As sbatch submitted again and again while the controller cannot be reached.
      const fail = await new Promise<boolean>((resolve) => {
        release = resolve;
      });
      if (fail)
        throw new HubError('unavailable', 'Slurm does not answer right now; try again in a few minutes.');
      return inner.start(request);
    },
  };
  const hub = await TestHub.start({
    spawner,
    configure: (c) => {
      c.spawner.launch_wait_seconds = 0.2;
    },
  });
  try {
    await hub.addUser('alice');
    const token = await hub.tokenFor('alice');
    const serverOf = async (name: string) =>
      (
        await hub.api<{ servers: Record<string, { pending: string | null; ready: boolean }> }>(
          'GET',
          '/users/alice',
          { token },
        )
      ).body.servers[name];

    // Launched late: answered 202 while pending, then ready as usual.
    const started = await hub.api('POST', '/users/alice/server', { token, body: {} });
    assert.equal(started.status, 202, started.text);
    assert.equal((await serverOf(''))?.pending, 'spawn');
    release(false);
    const id = await serverIdOf(hub, 'alice', '');
    await agentById({ hub, spawner: inner }, id).ready();
    assert.equal((await serverOf(''))?.ready, true);

    // Failing late: the request had its 202; the start's end is on its progress.
    const late = await hub.api('POST', '/users/alice/servers/late', { token, body: {} });
    assert.equal(late.status, 202, late.text);
    release(true);
    const lateId = await serverIdOf(hub, 'alice', 'late');
    for (let i = 0; i < 100 && !hub.running.app.spawning.progress.snapshot(lateId).done; i++) await sleep(20);
    const last = hub.running.app.spawning.progress.snapshot(lateId).events.at(-1);
    assert.equal(last?.failed, true);
    assert.match(last?.message ?? '', /Spawn failed: Slurm does not answer right now/);
    // Counted as a failed start, as one whose agent gives up is.
    assert.equal(
      await metricValue(
        hub.metrics.registry,
        'jupyterhub_server_spawn_duration_seconds',
        { status: 'failure' },
        '_count',
      ),
      1,
    );
    assert.equal(await serverOf('late'), undefined, 'a failed named server is not listed as running');
  } finally {
    release(false);
    await hub.stop();
  }
});

test('a start whose launch a restart cut short is launched again with relaunch; one that only waited in line without', async () => {
  const inner = createFakeSpawner('instant');
  const relaunches = new Map<number, boolean>();
  const spawner = {
    ...inner,
    start(request: Parameters<typeof inner.start>[0]) {
      relaunches.set(request.serverId, request.relaunch === true);
      return inner.start(request);
    },
  };
  const hub = await TestHub.start({ spawner, configure: (c) => (c.spawner.concurrent_spawns = 1) });
  try {
    for (const name of ['holder', 'cut', 'waited']) {
      await hub.addUser(name);
      const token = await hub.tokenFor(name);
      assert.equal((await hub.api('POST', `/users/${name}/server`, { token, body: {} })).status, 202);
    }
    const [holder, cut, waited] = (await Promise.all(
      ['holder', 'cut', 'waited'].map((name) => serverIdOf(hub, name, '')),
    )) as [number, number, number];
    assert.deepEqual([...relaunches], [[holder, false]]);
    // As the hub leaves a launch it dies in: the agent secret stored, the job's state not saved.
    await hub.hub.db
      .updateTable('servers')
      .set({ secret_hash: 'a'.repeat(64) })
      .where('id', '=', cut)
      .execute();
    await hub.restart();
    const launched = async (id: number) => {
      const deadline = Date.now() + 30_000;
      while (!relaunches.has(id)) {
        if (Date.now() > deadline) throw new Error(`server ${id} was not launched`);
        await sleep(10);
      }
    };
    // One start slot: each next start is launched once the one before is ready.
    await agentById({ hub, spawner: inner }, holder).ready();
    await launched(cut);
    await agentById({ hub, spawner: inner }, cut).ready();
    await launched(waited);
    assert.deepEqual(
      [...relaunches],
      [
        [holder, false],
        [cut, true],
        [waited, false],
      ],
    );
  } finally {
    await hub.stop();
  }
});
