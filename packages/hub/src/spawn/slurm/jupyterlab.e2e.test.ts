// End to end on the real Slurm cluster: hpchub-alice logs in with her system password (PAM),
// opens the spawn form (partitions and their limits from sinfo), starts JupyterLab with 1 core,
// 1 GB and 1 hour; the job runs as her in Slurm's eyes and in the kernel's; `1+1` runs through
// the proxy and the agent; stop cancels the job, which leaves the queue, and the end is recorded.
// Her choices are then what the form offers next time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestHub } from '../../test-support/hub.js';
import { execute, kernelRunsAs } from '../../test-support/jupyter.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import {
  cancelJobs,
  hubJobIds,
  jobOf,
  queue,
  removeJobFiles,
  Session,
  startSlurmHub,
  waitFor,
} from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

interface FormField {
  name: string;
  type: string;
  choices?: string[];
  maximum?: number;
  default: unknown;
  value: unknown;
  fixed: boolean;
  limits_by?: { field: string; maximum: Record<string, number> };
}
interface Form {
  app: string;
  fields: FormField[];
  remembered: boolean;
}

describe('JupyterLab as a Slurm job, as a system user', () => {
  let hub: TestHub;
  let session: Session;

  before(async () => {
    hub = await startSlurmHub();
    session = await Session.login(hub, alice);
  });
  after(async () => {
    await session?.stop('').catch(() => undefined);
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    removeJobFiles(alice.home, ['']);
  });

  test('the spawn form offers the cluster’s partitions with their limits', async () => {
    const form = await session.api<Form>('GET', `/users/${alice.name}/spawn-form?app=jupyterlab`);
    assert.equal(form.status, 200, form.text);
    const byName = new Map(form.body.fields.map((f) => [f.name, f]));
    assert.deepEqual(
      form.body.fields.map((f) => f.name),
      ['partition', 'cores', 'gpus', 'memory_gb', 'hours', 'modules', 'custom_script'],
    );
    assert.deepEqual(byName.get('partition')?.choices, ['normal', 'short']);
    assert.equal(byName.get('partition')?.value, 'normal');
    // scripts/provision/slurm.sh: normal is the whole node (nproc CPUs), short has 1 CPU, 2 GB, 2 h.
    assert.equal(byName.get('cores')?.limits_by?.maximum.short, 1);
    assert.ok((byName.get('cores')?.limits_by?.maximum.normal ?? 0) >= 1);
    assert.equal(byName.get('memory_gb')?.limits_by?.maximum.short, 2);
    assert.equal(byName.get('hours')?.limits_by?.maximum.short, 2);
    assert.equal(byName.get('custom_script')?.value, '~/.jupyterlabrc');
    assert.equal(form.body.remembered, false);
  });

  test('start → queued/running → ready → 1+1 through the proxy → stop, and the job leaves the queue', async () => {
    const started = await session.start('', {
      app: 'jupyterlab',
      partition: 'normal',
      cores: 1,
      memory_gb: 1,
      hours: 1,
    });
    assert.equal(started.status, 202, started.text);
    const events = await session.progress(hub.url, '');
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events, null, 1));
    assert.ok(
      events.some((e) => /Job running on \S+, starting jupyterlab/.test(e.message)),
      JSON.stringify(events.map((e) => e.message)),
    );

    const job = await jobOf(hub, '');
    const entry = (await queue()).find((j) => j.id === job);
    assert.equal(entry?.user, alice.name, 'squeue -o %u: the job runs as the user');
    assert.equal(entry?.state, 'RUNNING');

    const { client, kernel } = await kernelRunsAs(hub, alice.name);
    assert.match(
      await execute(client, kernel, 'import os; os.environ["SLURM_JOB_ID"]'),
      new RegExp(`'${job}'`),
    );

    const stopped = await session.stop('');
    assert.equal(stopped.status, 204, stopped.text);
    // stop() returned only once Slurm confirmed the end: the job is no longer queued or running.
    assert.equal(
      await waitFor('the job state', 10_000, async () => (await queue()).find((j) => j.id === job)?.state),
      'CANCELLED',
    );
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('name', '=', '')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'stopped');
    assert.equal(row.end_reason, 'user_stop');
    const usage = await hub.hub.db
      .selectFrom('usage_records')
      .selectAll()
      .where('user_name', '=', alice.name)
      .execute();
    assert.equal(usage.at(-1)?.end_reason, 'user_stop');
    assert.equal(usage.at(-1)?.cores, 1);
  });

  test('the form now offers her last choices for JupyterLab', async () => {
    const form = await session.api<Form>('GET', `/users/${alice.name}/spawn-form?app=jupyterlab`);
    assert.equal(form.body.remembered, true);
    const values = Object.fromEntries(form.body.fields.map((f) => [f.name, f.value]));
    assert.deepEqual(values, {
      partition: 'normal',
      cores: 1,
      gpus: 0,
      memory_gb: 1,
      hours: 1,
      modules: '',
      custom_script: '~/.jupyterlabrc',
    });
    const other = await session.api<Form>('GET', `/users/${alice.name}/spawn-form?app=notebook`);
    assert.equal(other.body.remembered, false);
  });
});
