// An account that is blocked or deleted loses its servers first, on the real Slurm cluster: the
// server's job is gone from squeue by the time the hub has answered, not left running until its
// time limit (the hub used to delete the rows and leave the job).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import {
  activeJobs,
  cancelJobs,
  hubJobIds,
  jobOf,
  removeJobFiles,
  Session,
  startSlurmHub,
} from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
const SERVERS = ['blocked', 'deleted'];

/** The job neither runs nor waits in Slurm's queue. */
async function assertGone(job: string): Promise<void> {
  assert.deepEqual(
    (await activeJobs()).filter((j) => j.id === job),
    [],
    `job ${job} no longer runs or waits`,
  );
}

describe('blocking or deleting a user with a running Slurm job', () => {
  let hub: TestHub;
  let admin: string;
  const jobs: string[] = [];

  before(async () => {
    hub = await startSlurmHub();
    await hub.addUser('root-admin', { admin: true });
    admin = await hub.tokenFor('root-admin', ['admin']);
  });
  after(async () => {
    if (hub) {
      await cancelJobs([...jobs, ...(await hubJobIds(hub))]);
      await hub.stop();
    }
    removeJobFiles(alice.home, SERVERS);
  });

  /** Alice signs in and starts JupyterLab as `server`; resolves with its job once it is running. */
  async function running(server: string): Promise<string> {
    const session = await Session.login(hub, alice);
    const started = await session.start(server, { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 });
    assert.equal(started.status, 202, started.text);
    const events = await session.progress(hub.url, server);
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events));
    const job = await jobOf(hub, server);
    jobs.push(job);
    const entry = (await activeJobs()).find((j) => j.id === job);
    assert.equal(entry?.state, 'RUNNING');
    assert.equal(entry?.user, alice.name);
    return job;
  }

  test('blocking: the job is gone from squeue when the hub answers', async () => {
    const job = await running('blocked');
    const answer = await hub.api('PATCH', `/users/${alice.name}`, { token: admin, body: { blocked: true } });
    assert.equal(answer.status, 200, answer.text);
    await assertGone(job);
    const row = await hub.hub.db
      .selectFrom('servers')
      .select(['status', 'end_reason'])
      .where('name', '=', 'blocked')
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'stopped', end_reason: 'admin_stop' });
    const unblocked = await hub.api('PATCH', `/users/${alice.name}`, {
      token: admin,
      body: { blocked: false },
    });
    assert.equal(unblocked.status, 200, unblocked.text);
  });

  test('deleting: the job is gone from squeue when the hub answers 204', async () => {
    const job = await running('deleted');
    const answer = await hub.api('DELETE', `/users/${alice.name}`, { token: admin });
    assert.equal(answer.status, 204, answer.text);
    await assertGone(job);
    const user = await hub.hub.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', alice.name)
      .executeTakeFirst();
    assert.equal(user, undefined);
  });
});
