// A start that waits in the queue: hpchub-bob's job fills the node, hpchub-alice starts
// JupyterLab, and her progress stream shows Slurm's reason and, once the scheduler has made one,
// the estimated start. When bob's job is cancelled, hers starts and becomes ready.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import {
  cancelJobs,
  hubJobIds,
  jobOf,
  jobState,
  nodeCpus,
  removeJobFiles,
  Session,
  startSlurmHub,
  submitBlocker,
  waitFor,
} from './test-support.js';

const users = testSystemUsers();
const alice = testSystemUser(users, 'hpchub-alice');
const bob = testSystemUser(users, 'hpchub-bob');

describe('a start that waits in the queue', () => {
  let hub: TestHub;
  let session: Session;
  const blockers: string[] = [];

  before(async () => {
    hub = await startSlurmHub();
    session = await Session.login(hub, alice);
  });
  after(async () => {
    await cancelJobs(blockers);
    await session?.stop('').catch(() => undefined);
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    removeJobFiles(alice.home, ['']);
  });

  test('shows the queue reason and the estimated start, then starts when the blocker is cancelled', async () => {
    const blocker = await submitBlocker(bob.name, nodeCpus());
    blockers.push(blocker);
    await waitFor('bob’s job to run', 60_000, async () =>
      (await jobState(blocker)) === 'RUNNING' ? true : undefined,
    );

    const started = await session.start('', { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 });
    assert.equal(started.status, 202, started.text);
    const queued = await session.progress(hub.url, '', {
      // Right after submission Slurm may list the job with no reason yet ("None"); wait for one.
      until: (e) => Boolean((e.queue?.estimated_start && e.queue?.reason) || e.ready || e.failed),
      timeoutMs: 120_000,
    });
    const last = queued.at(-1);
    assert.ok(last?.queue?.estimated_start, JSON.stringify(queued, null, 1));
    assert.match(last?.queue?.reason ?? '', /^(Resources|Priority)$/);
    assert.match(
      last?.message ?? '',
      /^Waiting in the queue \(reason: (Resources|Priority)\); estimated start /,
    );
    // Bob's job has an hour left: Slurm expects hers to start when it ends, not now.
    assert.ok(
      Date.parse(last?.queue?.estimated_start ?? '') > Date.now() + 30 * 60_000,
      last?.queue?.estimated_start,
    );
    assert.equal(await jobState(await jobOf(hub, '')), 'PENDING');

    await cancelJobs([blocker]);
    const events = await session.progress(hub.url, '', { timeoutMs: 180_000 });
    assert.equal(
      events.at(-1)?.ready,
      true,
      JSON.stringify(
        events.map((e) => e.message),
        null,
        1,
      ),
    );
    assert.ok(events.some((e) => /^Job running on /.test(e.message)));
  });
});
