// scontrol --oneliner: a job's exit code (which squeue cannot show), and partition limits
// (MaxCPUsPerNode, MaxMemPerNode, AllowGroups…) that sinfo does not show.
import type { JobInfo } from '../client.js';
import { slurmDuration, slurmTimestamp } from '../time.js';
import { keyValues, value } from './fields.js';
import { parseExitCode } from './sacct.js';

/** `scontrol show job --oneliner ID`; undefined when the output is not a job. */
export function parseScontrolJob(stdout: string): JobInfo | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('JobId='));
  if (!line) return undefined;
  const kv = keyValues(line);
  const id = kv.get('JobId') ?? '';
  const user = (kv.get('UserId') ?? '').replace(/\(\d+\)$/, '');
  const state = kv.get('JobState') ?? '';
  if (!/^\d+$/.test(id) || !user || !state) return undefined;
  const job: JobInfo = { id, user, state, source: 'scontrol' };
  const code = parseExitCode(kv.get('ExitCode'));
  if (code) {
    job.exitCode = code.exitCode;
    job.signal = code.signal;
  }
  const node = value(kv.get('BatchHost')) ?? value(kv.get('NodeList'));
  if (node) job.node = node;
  const start = slurmTimestamp(kv.get('StartTime'));
  if (start) job.startTime = start;
  const end = slurmTimestamp(kv.get('EndTime'));
  if (end && !['PENDING', 'RUNNING', 'CONFIGURING', 'SUSPENDED'].includes(state)) job.endTime = end;
  const limit = slurmDuration(kv.get('TimeLimit'));
  if (limit !== undefined) job.timeLimitSeconds = limit;
  const run = slurmDuration(kv.get('RunTime'));
  if (typeof run === 'number') job.elapsedSeconds = run;
  if (value(kv.get('Partition'))) job.partition = kv.get('Partition') as string;
  if (value(kv.get('Reason'))) job.reason = kv.get('Reason') as string;
  if (value(kv.get('JobName'))) job.name = kv.get('JobName') as string;
  return job;
}

export interface PartitionLimits {
  name: string;
  isDefault: boolean;
  up: boolean;
  maxTimeSeconds: number | null;
  /** null: unlimited. */
  maxCpusPerNode: number | null;
  maxMemoryMbPerNode: number | null;
  allowGroups: string[] | null;
  allowAccounts: string[] | null;
  hidden: boolean;
}

function list(text: string | undefined): string[] | null {
  const t = (text ?? '').trim();
  if (t === '' || t === 'ALL') return null;
  return t.split(',').filter(Boolean);
}

function limit(text: string | undefined): number | null {
  const t = (text ?? '').trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

/** `scontrol show partition --oneliner`: one partition per line. */
export function parseScontrolPartitions(stdout: string): PartitionLimits[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('PartitionName='))
    .map((line) => {
      const kv = keyValues(line);
      const maxTime = slurmDuration(kv.get('MaxTime'));
      return {
        name: kv.get('PartitionName') ?? '',
        isDefault: kv.get('Default') === 'YES',
        up: kv.get('State') === 'UP',
        maxTimeSeconds: maxTime === undefined ? null : maxTime,
        maxCpusPerNode: limit(kv.get('MaxCPUsPerNode')),
        maxMemoryMbPerNode: limit(kv.get('MaxMemPerNode')),
        allowGroups: list(kv.get('AllowGroups')),
        allowAccounts: list(kv.get('AllowAccounts')),
        hidden: kv.get('Hidden') === 'YES',
      };
    })
    .filter((p) => p.name !== '');
}
