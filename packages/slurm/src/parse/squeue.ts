// squeue: the controller's view of jobs, pending, running and (with --states=all) ended within
// MinJobAge. One call answers for every job of every user.
import type { ActiveJob, JobInfo } from '../client.js';
import { slurmDuration, slurmTimestamp } from '../time.js';
import { records, value } from './fields.js';

/**
 * id, user, state, batch host, node list, (expected) start, end, time limit, time used,
 * partition, reason, and last the job name (which a user may change to anything).
 */
export const SQUEUE_FORMAT = '%i|%u|%T|%B|%N|%S|%e|%l|%M|%P|%r|%j';
const FIELDS = 12;

export function parseSqueue(stdout: string): JobInfo[] {
  return records(stdout, FIELDS).flatMap(
    ([id, user, state, batchHost, nodeList, start, end, limit, used, partition, reason, name]) => {
      if (!id || !/^\d+(_\d+)?$/.test(id.trim()) || !user || !state) return [];
      const job: JobInfo = { id: id.trim(), user: user.trim(), state: state.trim(), source: 'squeue' };
      const node = value(batchHost) ?? value(nodeList);
      if (node) job.node = node;
      const startTime = slurmTimestamp(start);
      if (startTime) job.startTime = startTime;
      // For a job that has not ended, %e is when its time limit would end it: not an end.
      const endTime = slurmTimestamp(end);
      if (endTime && !['PENDING', 'RUNNING', 'CONFIGURING', 'SUSPENDED'].includes(job.state))
        job.endTime = endTime;
      const timeLimit = slurmDuration(limit);
      if (timeLimit !== undefined) job.timeLimitSeconds = timeLimit;
      const elapsed = slurmDuration(used);
      if (typeof elapsed === 'number') job.elapsedSeconds = elapsed;
      if (value(partition)) job.partition = (partition as string).trim();
      if (value(reason)) job.reason = (reason as string).trim();
      if (value(name)) job.name = (name as string).trim();
      return [job];
    },
  );
}

/**
 * A user's waiting and running jobs (squeue --user, --states): id, user, state and last the
 * comment, which the job's owner may change to anything (`|` included).
 */
export const ACTIVE_FORMAT = '%i|%u|%T|%k';
/** The states that squeue --states lists for listJobs(). */
export const ACTIVE_STATES = ['PENDING', 'CONFIGURING', 'RUNNING', 'SUSPENDED'] as const;

/**
 * The jobs of `user` in the output of squeue with ACTIVE_FORMAT. Only plain job ids (no array
 * tasks or hetjob parts, which hpchub never submits), only `user`'s, only active states: a line a
 * comment with a line break forged cannot name another user's job or a job that is not one.
 */
export function parseActiveJobs(stdout: string, user: string): ActiveJob[] {
  const active = new Set<string>(ACTIVE_STATES);
  return records(stdout, 4).flatMap(([id = '', owner = '', state = '', comment = '']) => {
    const job = { id: id.trim(), user: owner.trim(), state: state.trim(), comment: value(comment) ?? '' };
    return /^\d+$/.test(job.id) && job.user === user && active.has(job.state) ? [job] : [];
  });
}
