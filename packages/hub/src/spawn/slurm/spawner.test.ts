// The Slurm spawner on the fake Slurm: it passes the Spawner conformance suite, polls every
// server with one query, stops by cancelling and waiting for the end, and turns Slurm's
// refusals and outages into errors a user can act on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeSlurm } from '@hpchub/slurm/test-support';
import { HubError } from '../../errors/index.js';
import { TestHub } from '../../test-support/hub.js';
import { sleepingRequest } from '../../test-support/spawn.js';
import { spawnerConformance } from '../../test-support/spawner-conformance.js';
import type { Spawner } from '../spawner.js';
import { createSlurmSpawner } from './spawner.js';

const alice = { name: 'alice', system: { uid: 1001, gid: 1001, home: '/home/alice' } };
const bob = { name: 'bob', system: { uid: 1002, gid: 1002, home: '/home/bob' } };

function setup(slurm = new FakeSlurm()) {
  return {
    slurm,
    spawner: createSlurmSpawner({ client: slurm, signalSeconds: 300, stopTimeoutMs: 2000, stopPollMs: 1 }),
  };
}

spawnerConformance('Slurm spawner on the fake Slurm', async () => {
  const { spawner } = setup();
  return { spawner, request: (id) => sleepingRequest(id, alice), runs: true };
});

describe('Slurm spawner', () => {
  it('submits as the user; the script (with the secret) goes to Slurm, the state names job and user', async () => {
    const { slurm, spawner } = setup();
    const state = await spawner.start({
      ...sleepingRequest(1, alice),
      resources: { cores: 2, memory_gb: 3, hours: 2 },
    });
    assert.equal(state.kind, 'slurm');
    assert.equal(state.user, 'alice');
    assert.equal(state.signal_seconds, 300);
    const script = slurm.scriptOf(String(state.job)) ?? '';
    assert.match(script, /#SBATCH --cpus-per-task=2\n#SBATCH --mem=3072M/);
    assert.match(script, /not-a-real-secret/);
    assert.ok(!JSON.stringify(state).includes('not-a-real-secret'));
  });

  it('polls the servers of every user with one query', async () => {
    const { slurm, spawner } = setup();
    const states = [];
    for (let i = 0; i < 5; i++) states.push(await spawner.start(sleepingRequest(i, i % 2 ? alice : bob)));
    const before = slurm.calls.query;
    const results = await spawner.pollMany([...states, {}]);
    assert.equal(slurm.calls.query - before, 1);
    assert.deepEqual(
      results.map((r) => r.status),
      ['pending', 'pending', 'pending', 'pending', 'pending', 'stopped'],
    );
    assert.deepEqual(results[0], { status: 'pending', detail: { reason: 'Priority' } });
    assert.deepEqual(
      (await spawner.pollMany(states)).map((r) => r.status),
      Array(5).fill('running'),
    );
  });

  it('Slurm unreachable: unknown, never stopped; stop says to try again', async () => {
    const { slurm, spawner } = setup();
    const state = await spawner.start(sleepingRequest(1, alice));
    slurm.unreachable = true;
    assert.equal((await spawner.poll(state)).status, 'unknown');
    await assert.rejects(
      spawner.stop(state),
      (e: unknown) => e instanceof HubError && e.code === 'unavailable',
    );
    await assert.rejects(spawner.start(sleepingRequest(2, alice)), /does not answer right now/);
    slurm.unreachable = false;
    assert.equal((await spawner.poll(state)).status, 'pending');
  });

  it('ends reported by Slurm: time limit, node failure', async () => {
    const { slurm, spawner } = setup();
    const a = await spawner.start(sleepingRequest(1, alice));
    const b = await spawner.start(sleepingRequest(2, alice));
    slurm.end(String(a.job), 'TIMEOUT');
    slurm.end(String(b.job), 'NODE_FAIL');
    const [ra, rb] = await spawner.pollMany([a, b]);
    assert.equal(ra?.status === 'stopped' && ra.reason, 'time_limit');
    assert.equal(rb?.status === 'stopped' && rb.reason, 'node_failure');
  });

  it('refusals: a hub-only account, and a job Slurm rejects', async () => {
    const { spawner } = setup();
    await assert.rejects(
      spawner.start(sleepingRequest(1, { name: 'hubonly', system: null })),
      (e: unknown) => e instanceof HubError && e.code === 'account_unusable',
    );
    await assert.rejects(
      spawner.start({ ...sleepingRequest(2, alice), resources: { partition: 'nosuch' } }),
      (e: unknown) =>
        e instanceof HubError &&
        e.status === 400 &&
        /Slurm refused the job: Invalid partition/.test(e.message),
    );
  });

  it('stop waits until Slurm confirms the end, and gives up with a clear error', async () => {
    const slurm = new FakeSlurm();
    const { spawner } = setup(slurm);
    const state = await spawner.start(sleepingRequest(1, alice));
    await spawner.stop(state);
    assert.equal(slurm.jobs.get(String(state.job))?.state, 'CANCELLED');
    // A job whose cancel Slurm accepts but that never ends.
    const stuck = await spawner.start(sleepingRequest(2, alice));
    slurm.cancel = async () => {};
    await assert.rejects(spawner.stop(stuck), /has not ended job \d+ yet/);
  });

  it('a slow sbatch is not taken for a job that ended: the monitor waits for the saved state', async () => {
    const slurm = new FakeSlurm({ pendingQueries: 1000 });
    const submit = slurm.submit.bind(slurm);
    // sbatch on a busy controller takes seconds; the monitor polls every second meanwhile.
    slurm.submit = async (request) => {
      await sleep(2500);
      return submit(request);
    };
    const inner = createSlurmSpawner({ client: slurm, signalSeconds: 300, stopTimeoutMs: 2000 });
    const spawner: Spawner = { ...inner, start: (request) => inner.start({ ...request, account: alice }) };
    const hub = await TestHub.start({
      spawner,
      configure: (c) => {
        c.spawner.poll_interval_seconds = 1;
      },
    });
    try {
      await hub.addUser('alice');
      const token = await hub.tokenFor('alice');
      const res = await hub.api('POST', '/users/alice/server', {
        token,
        body: { user_options: { app: 'jupyterlab' } },
      });
      assert.equal(res.status, 202, res.text);
      await sleep(1500);
      const row = await hub.hub.db.selectFrom('servers').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.status, 'pending', `${row.end_reason}: ${row.end_detail}`);
      const { events } = hub.running.app.spawning.progress.snapshot(row.id);
      assert.ok(!events.some((e) => e.failed), JSON.stringify(events));
      assert.ok(
        events.some((e) => /^Waiting in the queue/.test(e.message)),
        JSON.stringify(events),
      );
    } finally {
      await hub.stop();
    }
  });
});
