// The time limit on the real Slurm cluster: a JupyterLab job whose limit an admin shortens to two
// minutes (`scontrol update TimeLimit=2`, as on a cluster before maintenance). The hub learns the
// new end from squeue; the API reports when the server ends and why, the home page says "ends in
// … : time limit"; Slurm's warning signal reaches the agent, the job ends, and the end is recorded
// and shown as "time limit reached".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerModel, UserModel } from '@hpchub/protocol';
import type { TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import {
  cancelJobs,
  hubJobIds,
  jobOf,
  removeJobFiles,
  Session,
  setTimeLimit,
  startSlurmHub,
  waitFor,
} from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

describe('a Slurm job with a two-minute time limit', () => {
  let hub: TestHub;
  let session: Session;

  before(async () => {
    hub = await startSlurmHub((c) => {
      // The warning a minute before the end: inside a two-minute job.
      c.slurm.signal_seconds = 60;
    });
    session = await Session.login(hub, alice);
  });
  after(async () => {
    await session?.stop('tl').catch(() => undefined);
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    removeJobFiles(alice.home, ['tl']);
  });

  test('"ends in": time limit in the API and on the home page, then "time limit reached"', async () => {
    const started = await session.start('tl', {
      app: 'jupyterlab',
      partition: 'normal',
      cores: 1,
      memory_gb: 1,
      hours: 1,
    });
    assert.equal(started.status, 202, started.text);
    const events = await session.progress(hub.url, 'tl');
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events, null, 1));

    const server = async () =>
      (await session.api<UserModel>('GET', `/users/${alice.name}`)).body.servers.tl as
        | ServerModel
        | undefined;
    const hourAway = await waitFor(
      'the job’s end from squeue',
      30_000,
      async () => (await server())?.ends ?? undefined,
    );
    assert.equal(hourAway.why, 'time_limit');
    assert.ok(
      Date.parse(hourAway.at) - Date.now() > 50 * 60_000,
      `an hour's job ends in about an hour: ${hourAway.at}`,
    );

    await setTimeLimit(await jobOf(hub, 'tl'), '2');
    const soon = await waitFor('the shortened limit', 30_000, async () => {
      const ends = (await server())?.ends;
      return ends && Date.parse(ends.at) - Date.now() < 3 * 60_000 ? ends : undefined;
    });
    assert.equal(soon.why, 'time_limit');
    const home = await session.browser.get('/hub/home');
    assert.match(home.text, /ends in (less than a minute|[12] min): time limit/);

    const ended = await waitFor('the job to end at its limit', 240_000, async () => {
      const row = await hub.hub.db
        .selectFrom('servers')
        .select(['status', 'end_reason'])
        .where('name', '=', 'tl')
        .executeTakeFirstOrThrow();
      return row.status === 'stopped' ? row : undefined;
    });
    assert.equal(ended.end_reason, 'time_limit');
    const after = await session.browser.get('/hub/home');
    assert.match(after.text, /ended: time limit reached/);
  });
});
