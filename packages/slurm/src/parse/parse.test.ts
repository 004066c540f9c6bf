// The parsers, on outputs captured from the real Slurm 22.05 of scripts/provision/slurm.sh
// (src/fixtures): queued, estimated, ended and unsatisfiable jobs, the completion log read by
// sacct, a failed job in scontrol, and the two partitions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { slurmDuration, slurmTimestamp } from '../time.js';
import { keyValues } from './fields.js';
import { combinePartitions } from './partitions.js';
import { parseSacct } from './sacct.js';
import { parseScontrolJob, parseScontrolPartitions } from './scontrol.js';
import { gpusOf, parseSinfoNodes } from './sinfo.js';
import { parseActiveJobs, parseSqueue } from './squeue.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const local = (text: string) => new Date(text).toISOString();

test('durations and timestamps as Slurm writes them', () => {
  assert.equal(slurmDuration('0:05'), 5);
  assert.equal(slurmDuration('10:00'), 600);
  assert.equal(slurmDuration('1:00:00'), 3600);
  assert.equal(slurmDuration('00:01:00'), 60);
  assert.equal(slurmDuration('1-02:03:04'), 93784);
  assert.equal(slurmDuration('2-00:00:00'), 172800);
  assert.equal(slurmDuration('5'), 300, 'the completion log writes minutes');
  assert.equal(slurmDuration('UNLIMITED'), null);
  assert.equal(slurmDuration('Partition_Limit'), null);
  assert.equal(slurmDuration('N/A'), undefined);
  assert.equal(slurmTimestamp('2026-11-30T08:43:31'), local('2026-11-30T08:43:31'));
  for (const nothing of ['N/A', 'NONE', 'Unknown', '', 'None'])
    assert.equal(slurmTimestamp(nothing), undefined);
});

test('squeue: queued jobs with their reasons, before the scheduler has estimated a start', () => {
  const jobs = parseSqueue(fixture('squeue-queued.txt'));
  assert.equal(jobs.length, 9);
  const big = jobs.find((j) => j.id === '9');
  assert.deepEqual(big, {
    id: '9',
    user: 'hpchub-bob',
    state: 'PENDING',
    timeLimitSeconds: 600,
    elapsedSeconds: 0,
    partition: 'normal',
    reason: 'Resources',
    name: 'big',
    source: 'squeue',
  });
  assert.equal(
    jobs.find((j) => j.id === '10')?.reason,
    'Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions',
  );
  const running = jobs.find((j) => j.id === '8');
  assert.equal(running?.state, 'RUNNING');
  assert.equal(running?.node, 'vm');
  assert.equal(running?.startTime, local('2026-11-30T08:43:09'));
  assert.equal(running?.endTime, undefined, 'the end of a running job is only its time limit');
  assert.equal(running?.timeLimitSeconds, 3600);
});

test('squeue: pending jobs carry the estimated start once the backfill scheduler made one', () => {
  const jobs = parseSqueue(fixture('squeue-estimated.txt'));
  assert.equal(jobs.find((j) => j.id === '9')?.startTime, local('2026-11-30T09:43:09'));
  assert.equal(jobs.find((j) => j.id === '13')?.startTime, local('2026-11-30T08:58:00'));
  assert.equal(jobs.find((j) => j.id === '13')?.endTime, undefined);
});

test('squeue --states=all: ended jobs within MinJobAge, with their final state', () => {
  const byId = new Map(parseSqueue(fixture('squeue-ended.txt')).map((j) => [j.id, j]));
  assert.equal(byId.get('13')?.state, 'TIMEOUT');
  assert.equal(byId.get('13')?.reason, 'TimeLimit');
  assert.equal(byId.get('13')?.elapsedSeconds, 60);
  assert.equal(byId.get('10')?.state, 'FAILED');
  assert.equal(byId.get('10')?.reason, 'NonZeroExitCode');
  assert.equal(byId.get('12')?.state, 'CANCELLED');
  assert.equal(byId.get('12')?.node, undefined, 'cancelled while pending: never on a node');
  // Ended by `--signal=B:TERM@300` before its one-minute limit: COMPLETED after 30 s.
  assert.equal(byId.get('14')?.state, 'COMPLETED');
  assert.equal(byId.get('14')?.elapsedSeconds, 30);
  assert.equal(byId.get('14')?.timeLimitSeconds, 60);
  assert.equal(byId.get('14')?.endTime, local('2026-11-30T08:45:31'));
  assert.equal(byId.get('6')?.timeLimitSeconds, null);
});

test('squeue: a job name with | cannot shift the other fields; junk lines are skipped', () => {
  const jobs = parseSqueue(
    '5|alice|RUNNING|n1|n1|2026-11-30T08:00:00|2026-11-30T09:00:00|1:00:00|0:10|normal|None|a|b|c\n' +
      'slurm_load_jobs error: something\n\n' +
      'x|alice|RUNNING|n1|n1|N/A|N/A|1:00|0:00|normal|None|name\n',
  );
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]?.name, 'a|b|c');
  assert.equal(jobs[0]?.reason, undefined);
});

test('squeue --user: a user’s active jobs with their comments, (null) as none, | kept in a comment', () => {
  assert.deepEqual(parseActiveJobs(fixture('squeue-user-jobs.txt'), 'hpchub-alice'), [
    { id: '1626', user: 'hpchub-alice', state: 'PENDING', comment: '' },
    { id: '1627', user: 'hpchub-alice', state: 'PENDING', comment: 'waits' },
    { id: '1624', user: 'hpchub-alice', state: 'RUNNING', comment: 'hpchub-server-7-default' },
    { id: '1625', user: 'hpchub-alice', state: 'RUNNING', comment: 'with|pipe' },
  ]);
});

test('squeue --user: lines a comment could forge never name another user’s job, an ended one or a non-job', () => {
  const jobs = parseActiveJobs(
    '5|alice|RUNNING|x\n' +
      '6|bob|RUNNING|hpchub-server-1-default\n' +
      '7|alice|CANCELLED|hpchub-server-1-default\n' +
      '8_1|alice|PENDING|hpchub-server-1-default\n' +
      '-1|alice|PENDING|hpchub-server-1-default\n' +
      'squeue: error: something\n' +
      '9|alice|COMPLETING|y\n' +
      '10|alice|SUSPENDED|z\n',
    'alice',
  );
  assert.deepEqual(
    jobs.map((j) => j.id),
    ['5', '10'],
  );
});

test('squeue: requests Slurm accepted but cannot ever start say why', () => {
  const reasons = parseSqueue(fixture('squeue-unsatisfiable.txt')).map((j) => j.reason);
  assert.deepEqual(reasons, ['PartitionConfig', 'PartitionConfig', 'PartitionTimeLimit']);
});

test('sacct (completion log): user without uid, state, exit code, times', () => {
  const records = parseSacct(fixture('sacct-completion.txt'));
  assert.equal(records.length, 4);
  const failed = records.find((r) => r.id === '10');
  assert.deepEqual(failed, {
    id: '10',
    user: 'hpchub-alice',
    state: 'FAILED',
    exitCode: 3,
    signal: 0,
    startTime: local('2026-11-30T08:43:31'),
    endTime: local('2026-11-30T08:43:31'),
    elapsedSeconds: 0,
    timeLimitSeconds: 300,
    node: 'vm',
    partition: 'short',
    submitTime: local('2026-11-30T08:43:31'),
    name: 'fails',
    source: 'sacct',
  });
  assert.equal(records.find((r) => r.id === '12')?.node, undefined);
  assert.equal(records.find((r) => r.id === '13')?.state, 'TIMEOUT');
  // slurmdbd writes states such as "CANCELLED by 1001".
  const db = parseSacct(
    '21|alice|CANCELLED by 1001|0:15|2026-11-30T09:00:00|2026-11-30T09:01:00|00:01:00|01:00:00|n1|normal|None|2026-11-30T08:59:00|hpchub-jupyterlab\n',
  );
  assert.equal(db[0]?.state, 'CANCELLED');
  assert.equal(db[0]?.signal, 15);
  assert.equal(db[0]?.timeLimitSeconds, 3600);
});

test('scontrol show job: the exit code squeue cannot show', () => {
  const job = parseScontrolJob(fixture('scontrol-job-failed.txt'));
  assert.equal(job?.id, '10');
  assert.equal(job?.user, 'hpchub-alice');
  assert.equal(job?.state, 'FAILED');
  assert.equal(job?.exitCode, 3);
  assert.equal(job?.reason, 'NonZeroExitCode');
  assert.equal(job?.timeLimitSeconds, 300);
  assert.equal(job?.node, 'vm');
  assert.equal(parseScontrolJob('slurm_load_jobs error: Invalid job id specified\n'), undefined);
  const kv = keyValues(
    'JobId=1 Reason=Nodes required for job are DOWN, DRAINED or reserved TRES=cpu=1,mem=2000M Power=',
  );
  assert.equal(kv.get('Reason'), 'Nodes required for job are DOWN, DRAINED or reserved');
  assert.equal(kv.get('TRES'), 'cpu=1,mem=2000M');
  assert.equal(kv.get('Power'), '');
});

test('sinfo and scontrol show partition: what one job may use per partition', () => {
  const nodes = parseSinfoNodes(fixture('sinfo-nodes.txt'));
  assert.deepEqual(nodes[0], {
    partition: 'normal',
    node: 'vm',
    cpus: 2,
    memoryMb: 8000,
    gpus: 0,
    state: 'mixed',
  });
  const limits = parseScontrolPartitions(fixture('scontrol-partitions.txt'));
  assert.deepEqual(combinePartitions(nodes, limits), [
    {
      name: 'normal',
      isDefault: true,
      up: true,
      maxCpusPerNode: 2,
      maxMemoryMbPerNode: 8000,
      maxGpusPerNode: 0,
      maxTimeSeconds: null,
      allowGroups: null,
      allowAccounts: null,
      nodes: 1,
    },
    {
      name: 'short',
      isDefault: false,
      up: true,
      maxCpusPerNode: 1,
      maxMemoryMbPerNode: 2048,
      maxGpusPerNode: 0,
      maxTimeSeconds: 7200,
      allowGroups: null,
      allowAccounts: null,
      nodes: 1,
    },
  ]);
});

test('GPUs in gres strings', () => {
  assert.equal(gpusOf('(null)'), 0);
  assert.equal(gpusOf('gpu:4'), 4);
  assert.equal(gpusOf('gpu:a100:4(S:0-1)'), 4);
  assert.equal(gpusOf('gpu:2,mps:100'), 2);
  assert.equal(gpusOf('gpu:a100:2(S:0),gpu:v100:1(S:1)'), 3);
});
