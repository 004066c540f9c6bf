// squeue: the controller's view of jobs, pending, running and (with --states=all) ended within
// MinJobAge. One call answers for every job of every user.
import type { JobInfo } from '../client.js';
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
