// slurmctld stops answering for 30 seconds while a server runs: the hub cannot tell the state of
// its jobs, says so in its log, and marks nothing stopped; JupyterLab keeps answering through the
// proxy (the job runs on without the controller). When slurmctld is back, all is normal: the
// server is still running and stops as usual. A start asked for while slurmctld is down waits,
// its progress saying why, and submits its job (once) when the controller answers again.
// slurmctld is always restarted, also on failure.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import type { ProgressEvent } from '../progress.js';
import {
  activeJobs,
  cancelJobs,
  hubJobIds,
  jobOf,
  jobState,
  provisionSlurm,
  removeJobFiles,
  Session,
  startSlurmHub,
  stopController,
  waitFor,
} from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

describe('slurmctld down: a running server, and a start', () => {
  let hub: TestHub;
  let session: Session;

  before(async () => {
    hub = await startSlurmHub();
    session = await Session.login(hub, alice);
  });
  after(async () => {
    // Whatever happened, the controller runs again before anything else.
    await provisionSlurm();
    await session?.stop('').catch(() => undefined);
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    removeJobFiles(alice.home, ['', 'ctld']);
  });

  test('down 30 s while a server runs: no server is marked stopped, and afterwards everything works', async () => {
    const started = await session.start('', { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 });
    assert.equal(started.status, 202, started.text);
    assert.equal((await session.progress(hub.url, '')).at(-1)?.ready, true);
    const job = await jobOf(hub, '');
    const token = await hub.tokenFor(alice.name);
    const status = () =>
      fetch(`${hub.url}/user/${alice.name}/api/status`, {
        headers: { authorization: `token ${token}` },
      }).then((r) => r.status);

    try {
      await stopController();
      await sleep(30_000);
      const row = await hub.hub.db
        .selectFrom('servers')
        .selectAll()
        .where('name', '=', '')
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'running', `while slurmctld is down: ${row.status} ${row.end_reason}`);
      assert.equal(await status(), 200, 'JupyterLab answers through the proxy meanwhile');
      assert.match(hub.logText(), /cannot tell the state of jobs; keeping them as they are/);
      assert.doesNotMatch(hub.logText(), /"msg":"server ended"/);
    } finally {
      await provisionSlurm();
    }

    // Back to normal: the next polls see the job running, and a stop cancels it.
    await waitFor('a poll after the controller is back', 60_000, async () =>
      (await jobState(job)) === 'RUNNING' ? true : undefined,
    );
    await sleep(3000);
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('name', '=', '')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'running');
    assert.equal(await status(), 200);
    assert.equal((await session.stop('')).status, 204);
    assert.equal(await jobState(job), 'CANCELLED');
  });

  test('a start while slurmctld is down waits, says why, and submits one job once it answers', async () => {
    await stopController();
    let events: ProgressEvent[] = [];
    try {
      const started = await session.start('ctld', { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 });
      assert.equal(started.status, 202, started.text);
      // sbatch gives up after its own retries (MessageTimeout); the start then waits to submit again.
      events = await session.progress(hub.url, 'ctld', {
        until: (e) => /controller cannot be reached/.test(e.message) || Boolean(e.ready || e.failed),
        timeoutMs: 120_000,
      });
      assert.match(events.at(-1)?.message ?? '', /controller cannot be reached \(attempt 1\)/);
    } finally {
      await provisionSlurm();
    }
    events = await session.progress(hub.url, 'ctld', { timeoutMs: 240_000 });
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events.map((e) => e.message)));
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('name', '=', 'ctld')
      .executeTakeFirstOrThrow();
    // A job submitted twice would be active beside it (ended jobs of earlier runs are not).
    const mine = (await activeJobs()).filter(
      (j) => j.comment === `hpchub-server-${row.id}-ctld.${hub.hub.id}`,
    );
    assert.deepEqual(
      mine.map((j) => j.id),
      [await jobOf(hub, 'ctld')],
      'one job, the one the server runs',
    );
    assert.equal((await session.stop('ctld')).status, 204);
  });
});
