// The spawn form from the cluster and configuration: which partitions a user sees, the most a
// job may ask for in each, defaults per app, and the server-side check that a value fits the
// chosen partition — one message per bad field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterInfo, PartitionInfo } from '@hpchub/slurm';
import { FAKE_CLUSTER, FakeSlurm } from '@hpchub/slurm/test-support';
import { validateOptions } from '../../apps/fields.js';
import { ConfigError } from '../../config/config-error.js';
import { loadConfig } from '../../config/index.js';
import { parseAppDefaults, parseGroupPartitions, parsePartitionLimits } from '../../config/slurm-lists.js';
import { HubError } from '../../errors/index.js';
import { ClusterCache, groupsMatter, partitionOffers, resourceFields } from './form.js';
import { slurmSettings } from './settings.js';

const part = (p: Partial<PartitionInfo> & { name: string }): PartitionInfo => ({
  isDefault: false,
  up: true,
  maxCpusPerNode: 2,
  maxMemoryMbPerNode: 8000,
  maxGpusPerNode: 0,
  maxTimeSeconds: null,
  allowGroups: null,
  allowAccounts: null,
  nodes: 1,
  ...p,
});

// The test cluster of scripts/provision/slurm.sh, plus a GPU partition for staff and one that is down.
const CLUSTER: ClusterInfo = {
  partitions: [
    part({ name: 'normal', isDefault: true }),
    part({ name: 'short', maxCpusPerNode: 1, maxMemoryMbPerNode: 2048, maxTimeSeconds: 7200 }),
    part({
      name: 'gpu',
      maxCpusPerNode: 64,
      maxMemoryMbPerNode: 512_000,
      maxGpusPerNode: 8,
      allowGroups: ['staff'],
    }),
    part({ name: 'maint', up: false }),
    part({ name: 'tiny', maxTimeSeconds: 1800 }),
  ],
};

function settings(slurm: Record<string, string> = {}) {
  const { config } = loadConfig({
    env: Object.fromEntries(Object.entries(slurm).map(([k, v]) => [`HPCHUB_SLURM_${k.toUpperCase()}`, v])),
  });
  return slurmSettings(config);
}

function problems(fields: ReturnType<typeof resourceFields>, submitted: Record<string, unknown>) {
  try {
    validateOptions(fields, submitted);
    return {};
  } catch (err) {
    assert.ok(err instanceof HubError);
    return Object.fromEntries((err.validations ?? []).map((v) => [v.field, v.message]));
  }
}

test('partitions: up ones, within AllowGroups and the group rules, at most what config allows', () => {
  const names = (groups: string[], s = settings()) =>
    partitionOffers(CLUSTER, s, new Set(groups)).map((o) => o.name);
  // maint is down; tiny has less than an hour; gpu is for staff (Slurm's AllowGroups).
  assert.deepEqual(names([]), ['normal', 'short']);
  assert.deepEqual(names(['staff']), ['normal', 'short', 'gpu']);
  const ruled = settings({ group_partitions: 'physics: short' });
  assert.deepEqual(names(['other'], ruled), ['normal']);
  assert.deepEqual(names(['physics'], ruled), ['normal', 'short']);
  assert.deepEqual(names([], settings({ partitions: 'short,normal,nosuch' })), ['short', 'normal']);

  const [normal, short] = partitionOffers(
    CLUSTER,
    settings({ partition_limits: 'normal max_cores=1 max_hours=8' }),
    new Set(),
  );
  assert.deepEqual(normal, { name: 'normal', isDefault: true, cores: 1, memory_gb: 7, gpus: 0, hours: 8 });
  assert.deepEqual(short, { name: 'short', isDefault: false, cores: 1, memory_gb: 2, gpus: 0, hours: 2 });
  // A configured limit never raises what the cluster allows.
  const [raised] = partitionOffers(CLUSTER, settings({ partition_limits: 'normal max_cores=99' }), new Set());
  assert.equal(raised?.cores, 2);
});

test('the user’s groups are looked up only when a partition admits by group', () => {
  const open: ClusterInfo = { partitions: CLUSTER.partitions.filter((p) => p.allowGroups === null) };
  assert.equal(groupsMatter(open, settings()), false);
  assert.equal(groupsMatter(CLUSTER, settings()), true, 'Slurm’s AllowGroups');
  assert.equal(groupsMatter(open, settings({ group_partitions: 'physics: short' })), true, 'the hub’s rules');
});

test('fields as on Euler, with per-partition maxima, and defaults that fit the default partition', () => {
  const s = settings({ app_defaults: 'jupyterlab cores=4 memory_gb=2 hours=3' });
  const fields = resourceFields(partitionOffers(CLUSTER, s, new Set(['staff'])), s, 'jupyterlab');
  assert.deepEqual(
    fields.map((f) => [
      f.name,
      f.label,
      f.default,
      f.type === 'integer' ? f.maximum : (f as { choices: string[] }).choices.join(),
    ]),
    [
      ['partition', 'Partition', 'normal', 'normal,short,gpu'],
      ['cores', 'Number of cores', 2, 64],
      ['gpus', 'Number of GPUs', 0, 8],
      ['memory_gb', 'Total memory (GB)', 2, 500],
      ['hours', 'Run time (hours)', 3, 24],
    ],
  );
  const cores = fields.find((f) => f.name === 'cores');
  assert.deepEqual(cores?.type === 'integer' && cores.limits_by, {
    field: 'partition',
    maximum: { normal: 2, short: 1, gpu: 64 },
  });
  assert.deepEqual(validateOptions(fields, {}), {
    partition: 'normal',
    cores: 2,
    gpus: 0,
    memory_gb: 2,
    hours: 3,
  });
  const other = resourceFields(partitionOffers(CLUSTER, s, new Set()), s, 'code-server');
  assert.equal(other.find((f) => f.name === 'cores')?.default, 1);
  const defaultShort = settings({ app_defaults: 'tensorboard partition=short' });
  assert.equal(
    resourceFields(partitionOffers(CLUSTER, defaultShort, new Set()), defaultShort, 'tensorboard')[0]
      ?.default,
    'short',
  );
});

test('accounts: a choice when the site has several', () => {
  const none = settings();
  assert.ok(
    !resourceFields(partitionOffers(CLUSTER, none, new Set()), none, 'jupyterlab').some(
      (f) => f.name === 'account',
    ),
  );
  const two = settings({ accounts: 'physics,chemistry' });
  const account = resourceFields(partitionOffers(CLUSTER, two, new Set()), two, 'jupyterlab').find(
    (f) => f.name === 'account',
  );
  assert.deepEqual(account?.type === 'choice' && account.choices, ['physics', 'chemistry']);
});

test('a value over the chosen partition’s limit is refused with a message for that field', () => {
  const s = settings();
  const fields = resourceFields(partitionOffers(CLUSTER, s, new Set()), s, 'jupyterlab');
  assert.deepEqual(problems(fields, { partition: 'short', cores: 2, memory_gb: 4, hours: 3 }), {
    cores: 'Partition short allows at most 1; give a number from 1 to 1.',
    memory_gb: 'Partition short allows at most 2; give a number from 1 to 2.',
    hours: 'Partition short allows at most 2; give a number from 1 to 2.',
  });
  assert.deepEqual(problems(fields, { partition: 'normal', cores: 2, memory_gb: 7, hours: 24 }), {});
  assert.match(problems(fields, { cores: 64 }).cores ?? '', /from 1 to 2/);
  assert.match(problems(fields, { partition: 'gpu' }).partition ?? '', /Choose one of: normal, short/);
  const injected = problems(fields, {
    partition: '1; touch /tmp/x',
    cores: '$(id)',
    memory_gb: '1\n2',
    hours: -1,
    gpus: 1e12,
  });
  assert.deepEqual(Object.keys(injected).sort(), ['cores', 'gpus', 'hours', 'memory_gb', 'partition']);
});

test('no partition open to the user: a clear refusal', () => {
  const s = settings({ group_partitions: 'staff: normal short' });
  assert.throws(
    () => resourceFields(partitionOffers(CLUSTER, s, new Set()), s, 'jupyterlab'),
    /No partition of the cluster is open to your account/,
  );
});

test('the list options: parsed, and every mistake reported by the configuration check', () => {
  assert.deepEqual(parsePartitionLimits(['gpu max_cores=16 max_gpus=0']).value.get('gpu'), {
    cores: 16,
    gpus: 0,
  });
  assert.deepEqual(
    [...(parseGroupPartitions(['physics: gpu short', 'chem: gpu']).value.get('gpu') ?? [])],
    ['physics', 'chem'],
  );
  assert.deepEqual(parseAppDefaults(['jupyterlab cores=2 partition=short']).value.get('jupyterlab'), {
    cores: 2,
    partition: 'short',
  });
  assert.throws(
    () =>
      loadConfig({
        env: {
          HPCHUB_SLURM_PARTITION_LIMITS: 'gpu cores=16',
          HPCHUB_SLURM_GROUP_PARTITIONS: 'physics',
          HPCHUB_SLURM_APP_DEFAULTS: 'jupyterlab hours=0',
          HPCHUB_SLURM_COMMAND_PREFIX: 'sudo -n',
        },
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.message;
      for (const key of [
        'slurm.partition_limits',
        'slurm.group_partitions',
        'slurm.app_defaults',
        'slurm.command_prefix',
      ])
        assert.ok(text.includes(key), `${key} in ${text}`);
      assert.match(text, /unknown key cores/);
      return true;
    },
  );
});

test('cluster information is read once per cache period, and a stale copy beats an outage', async () => {
  const slurm = new FakeSlurm({ cluster: FAKE_CLUSTER });
  const cache = new ClusterCache(slurm, 60_000);
  await Promise.all([cache.get(), cache.get()]);
  await cache.get();
  assert.equal(slurm.calls.clusterInfo, 1);
  const warnings: string[] = [];
  const expired = new ClusterCache(slurm, 0, { warn: (_o, m) => warnings.push(m) });
  await expired.get();
  slurm.unreachable = true;
  assert.equal((await expired.get()).partitions.length, 2);
  await sleep(10);
  assert.deepEqual(warnings, ['cannot read the partitions; using the last known ones']);
  await assert.rejects(new ClusterCache(slurm, 0).get(), /does not answer right now/);
});

test('past its time the last copy answers at once while Slurm is asked again; fill() asks ahead', {
  timeout: 10_000,
}, async () => {
  const slurm = new FakeSlurm({ cluster: FAKE_CLUSTER });
  const cache = new ClusterCache(slurm, 0);
  cache.fill();
  cache.fill();
  assert.equal(slurm.calls.clusterInfo, 1, 'one question, however often filled');
  assert.equal((await cache.get()).partitions.length, 2, 'the first answer is waited for');
  // sinfo now answers one partition, and only when told to: nobody waits for it.
  let answer: () => void = () => {};
  slurm.clusterInfo = () =>
    new Promise<ClusterInfo>((resolve) => {
      answer = () => resolve({ partitions: FAKE_CLUSTER.partitions.slice(0, 1) });
    });
  assert.equal((await cache.get()).partitions.length, 2, 'the last copy, at once');
  answer();
  await sleep(0);
  assert.equal((await cache.get()).partitions.length, 1, 'then the fresh answer');
});
