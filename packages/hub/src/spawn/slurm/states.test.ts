// Slurm's answers in the Spawner's words: queue reason and estimated start, the node, and why a
// job ended — with the time limit recognised also when the warning signal ended the job first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobAnswer, JobInfo } from '@hpchub/slurm';
import { endedByTimeLimit, pollResult } from './states.js';

const job = (fields: Partial<JobInfo>): JobAnswer => ({
  kind: 'job',
  job: { id: '42', user: 'alice', state: 'PENDING', source: 'squeue', ...fields },
});

test('queued: the reason and the scheduler’s estimated start', () => {
  assert.deepEqual(pollResult(job({ reason: 'Resources', startTime: '2026-11-30T09:43:09.000Z' }), 300), {
    status: 'pending',
    detail: { reason: 'Resources', estimatedStart: '2026-11-30T09:43:09.000Z' },
  });
  assert.deepEqual(pollResult(job({ reason: 'Priority' }), 300), {
    status: 'pending',
    detail: { reason: 'Priority' },
  });
  assert.deepEqual(pollResult(job({ state: 'CONFIGURING' }), 300), {
    status: 'pending',
    detail: { reason: 'configuring' },
  });
});

test('running (and completing) on a node', () => {
  assert.deepEqual(pollResult(job({ state: 'RUNNING', node: 'eu-a2p-001' }), 300), {
    status: 'running',
    host: 'eu-a2p-001',
  });
  assert.equal(pollResult(job({ state: 'COMPLETING', node: 'n1' }), 300).status, 'running');
});

test('ends: cancelled, time limit, node failure, exit codes, out of memory', () => {
  const end = (fields: Partial<JobInfo>) => pollResult(job(fields), 300);
  assert.equal((end({ state: 'CANCELLED' }) as { reason: string }).reason, 'cancelled');
  assert.equal((end({ state: 'TIMEOUT' }) as { reason: string }).reason, 'time_limit');
  assert.equal((end({ state: 'NODE_FAIL', node: 'n1' }) as { reason: string }).reason, 'node_failure');
  assert.deepEqual(
    end({
      state: 'FAILED',
      exitCode: 3,
      reason: 'NonZeroExitCode',
      timeLimitSeconds: 3600,
      elapsedSeconds: 5,
    }),
    {
      status: 'stopped',
      reason: 'failed',
      exitCode: 3,
      detail: 'Slurm job 42 failed (NonZeroExitCode).',
    },
  );
  assert.deepEqual(end({ state: 'COMPLETED', exitCode: 0, timeLimitSeconds: 3600, elapsedSeconds: 60 }), {
    status: 'stopped',
    reason: 'exited',
    exitCode: 0,
  });
  assert.match((end({ state: 'OUT_OF_MEMORY' }) as { detail: string }).detail, /more memory/);
  assert.equal((end({ state: 'PREEMPTED' }) as { reason: string }).reason, 'cancelled');
});

test('a job the warning signal ended just before its limit ended by the time limit', () => {
  // Captured: 1-minute limit, --signal=B:TERM@300, the batch shell exited 0 on SIGTERM after 30 s.
  const warned: JobInfo = {
    id: '14',
    user: 'hpchub-alice',
    state: 'COMPLETED',
    timeLimitSeconds: 60,
    elapsedSeconds: 30,
    source: 'squeue',
  };
  assert.equal(endedByTimeLimit(warned, 300), true);
  assert.equal((pollResult({ kind: 'job', job: warned }, 300) as { reason: string }).reason, 'time_limit');
  // One hour with a 5-minute warning: after 57 minutes yes, after 10 minutes no, without a warning no.
  const hour = { ...warned, timeLimitSeconds: 3600 };
  assert.equal(endedByTimeLimit({ ...hour, elapsedSeconds: 57 * 60 }, 300), true);
  assert.equal(endedByTimeLimit({ ...hour, elapsedSeconds: 10 * 60 }, 300), false);
  assert.equal(endedByTimeLimit({ ...hour, elapsedSeconds: 57 * 60 }, 0), false);
  assert.equal(endedByTimeLimit({ ...hour, timeLimitSeconds: null, elapsedSeconds: 57 * 60 }, 300), false);
});

test('gone is stopped; unknown stays unknown', () => {
  assert.deepEqual(pollResult({ kind: 'gone', detail: 'Slurm no longer lists job 5.' }, 300), {
    status: 'stopped',
    reason: 'unknown',
    detail: 'Slurm no longer lists job 5.',
  });
  assert.deepEqual(pollResult({ kind: 'unknown', detail: 'Unable to contact slurm controller' }, 300), {
    status: 'unknown',
    detail: 'Unable to contact slurm controller',
  });
  assert.equal(pollResult(undefined, 300).status, 'unknown');
});
