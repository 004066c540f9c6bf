// sacct: the accounting database's record of jobs, which outlives the controller's memory. Used
// only for jobs squeue no longer lists, before any of them is declared gone.
import type { JobInfo } from '../client.js';
import { slurmDuration, slurmTimestamp } from '../time.js';
import { records, value } from './fields.js';

/** Fields for `sacct --parsable2 --noheader --allocations --format=…`; JobName last. */
export const SACCT_FIELDS =
  'JobIDRaw,User,State,ExitCode,Start,End,Elapsed,Timelimit,NodeList,Partition,Reason,Submit,JobName';
const COUNT = 13;

export interface SacctRecord extends JobInfo {
  /** When the job was submitted (job ids can repeat after a controller lost its state). */
  submitTime?: string;
}

/** `3:0` → exit code 3, signal 0. */
export function parseExitCode(text: string | undefined): { exitCode: number; signal: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec((text ?? '').trim());
  return m ? { exitCode: Number(m[1]), signal: Number(m[2]) } : undefined;
}

export function parseSacct(stdout: string): SacctRecord[] {
  return records(stdout, COUNT).flatMap(
    ([id, user, state, exit, start, end, elapsed, limit, nodes, partition, reason, submit, name]) => {
      const jobId = (id ?? '').trim();
      if (!/^\d+$/.test(jobId)) return [];
      // The completion log (sacct -c) writes the user as `name(uid)`; the database as `name`.
      const owner = (user ?? '').trim().replace(/\(\d+\)$/, '');
      // "CANCELLED by 1001" → CANCELLED
      const st = (state ?? '').trim().split(/\s+/)[0] ?? '';
      if (!owner || !st) return [];
      const job: SacctRecord = { id: jobId, user: owner, state: st, source: 'sacct' };
      const code = parseExitCode(exit);
      if (code) {
        job.exitCode = code.exitCode;
        job.signal = code.signal;
      }
      const startTime = slurmTimestamp(start);
      if (startTime) job.startTime = startTime;
      const endTime = slurmTimestamp(end);
      if (endTime) job.endTime = endTime;
      const el = slurmDuration(elapsed);
      if (typeof el === 'number') job.elapsedSeconds = el;
      const tl = slurmDuration(limit);
      if (tl !== undefined) job.timeLimitSeconds = tl;
      if (value(nodes)) job.node = (nodes as string).trim();
      if (value(partition)) job.partition = (partition as string).trim();
      if (value(reason)) job.reason = (reason as string).trim();
      const submitTime = slurmTimestamp(submit);
      if (submitTime) job.submitTime = submitTime;
      if (value(name)) job.name = (name as string).trim();
      return [job];
    },
  );
}
