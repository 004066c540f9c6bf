// The Slurm spawner on the fake Slurm: it passes the Spawner conformance suite, polls every
// server with one query, stops by cancelling and waiting for the end, and turns Slurm's
// refusals and outages into errors a user can act on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlurmError } from '@hpchub/slurm';
import { FakeSlurm } from '@hpchub/slurm/test-support';
import type { Logger } from 'pino';
import { HubError } from '../../errors/index.js';
import { TestHub } from '../../test-support/hub.js';
import { sleepingRequest } from '../../test-support/spawn.js';
import { spawnerConformance } from '../../test-support/spawner-conformance.js';
import type { Spawner } from '../spawner.js';
import { createSlurmSpawner } from './spawner.js';

const alice = { name: 'alice', system: { uid: 1001, gid: 1001, home: '/home/alice' } };
const bob = { name: 'bob', system: { uid: 1002, gid: 1002, home: '/home/bob' } };

/** A logger that keeps what the spawner logs. */
function recordingLog() {
  const lines: { level: 'info' | 'warn'; obj: unknown; msg: string }[] = [];
  const at = (level: 'info' | 'warn') => (obj: unknown, msg?: string) => {
    lines.push({ level, obj, msg: msg ?? '' });
  };
  return { lines, info: at('info'), warn: at('warn') } as unknown as Pick<Logger, 'info' | 'warn'> & {
    lines: typeof lines;
  };
}

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

  it('a controller that cannot be reached: the start submits again until it answers, telling the user', async () => {
    const slurm = new FakeSlurm();
    const spawner = createSlurmSpawner({
      client: slurm,
      signalSeconds: 300,
      stopTimeoutMs: 2000,
      submitRetryMs: 10_000,
      firstRetryPauseMs: 20,
    });
    const notes: string[] = [];
    let wanted = 0;
    slurm.unreachable = true;
    const started = spawner.start({
      ...sleepingRequest(1, alice),
      waiting: {
        note: (m) => {
          notes.push(m);
          // Back after the second failed attempt.
          if (notes.length === 2) slurm.unreachable = false;
        },
        stillWanted: async () => {
          wanted += 1;
          return true;
        },
      },
    });
    const state = await started;
    assert.equal(slurm.calls.submit, 3, 'two attempts failed, the third was accepted');
    assert.equal(slurm.jobs.size, 1, 'one job');
    assert.equal(wanted, 2, 'asked before each attempt again');
    assert.match(
      notes[0] ?? '',
      /controller cannot be reached \(attempt 1\); the job is submitted again in 0 s/,
    );
    assert.match(notes[1] ?? '', /attempt 2/);
    assert.equal((await spawner.poll(state)).status, 'pending');
  });

  it('submits again neither after a stop, nor past the retry time, nor when the job may have reached Slurm', async () => {
    const slurm = new FakeSlurm();
    const retrying = (submitRetryMs: number) =>
      createSlurmSpawner({
        client: slurm,
        signalSeconds: 300,
        stopTimeoutMs: 2000,
        submitRetryMs,
        firstRetryPauseMs: 20,
      });
    slurm.unreachable = true;
    // Stopped while it waited: no further attempt.
    const before = slurm.calls.submit;
    await assert.rejects(
      retrying(10_000).start({
        ...sleepingRequest(1, alice),
        waiting: { note: () => {}, stillWanted: async () => false },
      }),
      /does not answer right now/,
    );
    assert.equal(slurm.calls.submit - before, 1);
    // Past the retry time: fails with the same message, after a few attempts only.
    const began = slurm.calls.submit;
    await assert.rejects(retrying(100).start(sleepingRequest(2, alice)), /does not answer right now/);
    const attempts = slurm.calls.submit - began;
    assert.ok(attempts >= 2 && attempts <= 4, `${attempts} attempts in 100 ms with pauses of 20, 40, 80 ms`);
    // No retry time: at once.
    const once = slurm.calls.submit;
    await assert.rejects(retrying(0).start(sleepingRequest(3, alice)), /does not answer right now/);
    assert.equal(slurm.calls.submit - once, 1);
    // A timeout after the job was sent: it may exist, so it is never sent twice.
    slurm.unreachable = false;
    let calls = 0;
    slurm.submit = async () => {
      calls += 1;
      throw new SlurmError('unavailable', 'sbatch: Socket timed out on send/recv operation');
    };
    await assert.rejects(retrying(10_000).start(sleepingRequest(4, alice)), /does not answer right now/);
    assert.equal(calls, 1);
  });

  it('a start launched again after a restart cancels the job of its earlier launch: that server’s, that user’s, that hub’s only', async () => {
    const slurm = new FakeSlurm();
    const log = recordingLog();
    const hub = (hubId: string) =>
      createSlurmSpawner({ client: slurm, signalSeconds: 300, stopTimeoutMs: 2000, log, hubId });
    const spawner = hub('0a1b2c3d');
    // The first launch's job, whose id the hub never saved; alice's job of another server; bob's
    // server with the same id (same comment, another user); alice's server with the same id
    // and name on another hub sharing the cluster (a test hub beside the production one).
    const orphan = String((await spawner.start(sleepingRequest(1, alice))).job);
    const other = String((await spawner.start(sleepingRequest(2, alice))).job);
    const bobs = String((await spawner.start(sleepingRequest(1, bob))).job);
    const otherHubs = String((await hub('99887766').start(sleepingRequest(1, alice))).job);
    assert.equal(slurm.calls.listJobs, 0, 'a first launch does not look');
    const state = await spawner.start({ ...sleepingRequest(1, alice), relaunch: true });
    assert.equal(slurm.calls.listJobs, 1);
    assert.equal(slurm.jobs.get(orphan)?.state, 'CANCELLED');
    for (const id of [other, bobs, otherHubs, String(state.job)])
      assert.equal(slurm.jobs.get(id)?.state, 'PENDING', id);
    const warning = log.lines.find((l) => l.level === 'warn' && l.msg.includes(orphan));
    assert.deepEqual(warning?.obj, { user: 'alice', comment: 'hpchub-server-1-s1.0a1b2c3d', jobs: [orphan] });
    // Nothing left behind: nothing cancelled, one new job.
    const before = slurm.calls.cancel;
    await spawner.start({ ...sleepingRequest(3, alice), relaunch: true });
    assert.equal(slurm.calls.cancel, before);
  });

  it('a lookup that cannot be made does not hold the start up; one Slurm did not answer is made again before the next attempt', async () => {
    const slurm = new FakeSlurm();
    const log = recordingLog();
    const spawner = createSlurmSpawner({
      client: slurm,
      signalSeconds: 300,
      stopTimeoutMs: 2000,
      submitRetryMs: 10_000,
      firstRetryPauseMs: 10,
      log,
    });
    // Not allowed (a gateway token without `list`): the admin is told once, the starts go on.
    const listJobs = slurm.listJobs.bind(slurm);
    slurm.listJobs = async () => {
      throw new SlurmError('refused', 'This token may not use the list endpoint.');
    };
    await spawner.start({ ...sleepingRequest(1, alice), relaunch: true });
    await spawner.start({ ...sleepingRequest(2, alice), relaunch: true });
    assert.equal(slurm.calls.submit, 2);
    const told = log.lines.filter((l) => l.msg.startsWith('cannot look for a job'));
    assert.deepEqual(
      told.map((l) => l.level),
      ['warn', 'info'],
    );
    assert.match(String((told[0]?.obj as { fix?: string } | undefined)?.fix), /`list` endpoint/);
    // The controller down: lookup and submission fail; on the next attempt both are made.
    slurm.listJobs = listJobs;
    const orphan = String((await spawner.start(sleepingRequest(3, alice))).job);
    slurm.unreachable = true;
    const state = await spawner.start({
      ...sleepingRequest(3, alice),
      relaunch: true,
      waiting: {
        note: () => {
          slurm.unreachable = false;
        },
        stillWanted: async () => true,
      },
    });
    assert.equal(slurm.jobs.get(orphan)?.state, 'CANCELLED');
    assert.equal(slurm.jobs.get(String(state.job))?.state, 'PENDING');
    assert.equal(slurm.calls.listJobs, 2, 'looked for it again once the controller answered');
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
