// A server ended by its Slurm time limit: JupyterLab runs, its job's limit is cut to one minute
// (as root, with scontrol, instead of waiting an hour), Slurm warns the agent with SIGTERM
// (`--signal=B:TERM@300`), the agent stops the app, the job ends, and the owner reads
// "ended: time limit reached" on the home page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import {
  cancelJobs,
  hubJobIds,
  jobOf,
  removeJobFiles,
  Session,
  startSlurmHub,
  waitFor,
} from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

describe('a server that reaches its time limit', () => {
  let hub: TestHub;
  let session: Session;

  before(async () => {
    hub = await startSlurmHub();
    session = await Session.login(hub, alice);
  });
  after(async () => {
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    removeJobFiles(alice.home, ['limited']);
  });

  test('is recorded as ended by the time limit, and its owner is told so', async () => {
    const started = await session.start('limited', { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 });
    assert.equal(started.status, 202, started.text);
    const events = await session.progress(hub.url, 'limited');
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events));

    const job = await jobOf(hub, 'limited');
    execFileSync('scontrol', ['update', `JobId=${job}`, 'TimeLimit=1']);
    const ended = await waitFor('the server to end', 180_000, async () => {
      const r = await hub.hub.db
        .selectFrom('servers')
        .selectAll()
        .where('name', '=', 'limited')
        .executeTakeFirst();
      return r?.status === 'stopped' ? r : undefined;
    });
    assert.equal(ended.end_reason, 'time_limit');
    assert.equal(ended.end_detail, 'The job reached its time limit.');

    const home = await session.browser.get('/hub/home');
    assert.equal(home.status, 200);
    const row = /<li[^>]*data-server="limited"[\s\S]*?<\/li>/.exec(home.text)?.[0] ?? home.text;
    assert.match(row, /ended: time limit reached/);
  });
});
