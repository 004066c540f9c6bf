// What Slurm says about a job, in the Spawner's words: pending (with the queue reason and the
// estimated start), running (on which node), stopped (why), or unknown (Slurm did not answer).
import type { JobAnswer, JobInfo } from '@hpchub/slurm';
import type { PollResult } from '../spawner.js';

const PENDING = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESV_DEL_HOLD',
]);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED']);

// Slurm sends the warning signal up to a minute early (it checks time limits every 30 s), and the
// agent then takes a few seconds to stop the app.
const WARNING_SLACK_SECONDS = 90;

/**
 * Whether a job that ended by itself did so because of its time limit. With `--signal=B:TERM@N`
 * the agent gets SIGTERM N seconds before the limit and exits cleanly, so Slurm records the job
 * as COMPLETED (or FAILED if the app's shutdown went wrong), not TIMEOUT: an end inside that
 * warning window is the time limit's doing.
 */
export function endedByTimeLimit(job: JobInfo, signalSeconds: number): boolean {
  if (signalSeconds <= 0 || !job.timeLimitSeconds || job.elapsedSeconds === undefined) return false;
  return job.elapsedSeconds >= job.timeLimitSeconds - signalSeconds - WARNING_SLACK_SECONDS;
}

function stopped(job: JobInfo, signalSeconds: number): PollResult {
  const state = job.state;
  switch (state) {
    case 'COMPLETED':
    case 'FAILED':
      if (endedByTimeLimit(job, signalSeconds))
        return { status: 'stopped', reason: 'time_limit', detail: 'The job reached its time limit.' };
      return state === 'COMPLETED'
        ? { status: 'stopped', reason: 'exited', exitCode: job.exitCode ?? 0 }
        : {
            status: 'stopped',
            reason: 'failed',
            ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
            detail: `Slurm job ${job.id} failed${job.reason ? ` (${job.reason})` : ''}.`,
          };
    case 'TIMEOUT':
    case 'DEADLINE':
      return { status: 'stopped', reason: 'time_limit', detail: 'The job reached its time limit.' };
    case 'CANCELLED':
      return { status: 'stopped', reason: 'cancelled', detail: `Slurm job ${job.id} was cancelled.` };
    case 'PREEMPTED':
      return {
        status: 'stopped',
        reason: 'cancelled',
        detail: `Slurm job ${job.id} was preempted by a job of higher priority.`,
      };
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
      return {
        status: 'stopped',
        reason: 'node_failure',
        detail: `The node of Slurm job ${job.id}${job.node ? ` (${job.node})` : ''} failed.`,
      };
    case 'OUT_OF_MEMORY':
      return {
        status: 'stopped',
        reason: 'failed',
        ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
        detail: 'The job ran out of memory; start it with more memory.',
      };
    default:
      return { status: 'stopped', reason: 'unknown', detail: `Slurm job ${job.id} ended (${state}).` };
  }
}

export function pollResult(answer: JobAnswer | undefined, signalSeconds: number): PollResult {
  if (!answer) return { status: 'unknown', detail: 'Slurm gave no answer for this job.' };
  if (answer.kind === 'unknown') return { status: 'unknown', detail: answer.detail };
  if (answer.kind === 'gone') return { status: 'stopped', reason: 'unknown', detail: answer.detail };
  const { job } = answer;
  if (PENDING.has(job.state)) {
    const detail: { reason?: string; estimatedStart?: string } = {};
    detail.reason = job.state === 'PENDING' ? job.reason : job.state.toLowerCase();
    if (detail.reason === undefined) delete detail.reason;
    if (job.state === 'PENDING' && job.startTime) detail.estimatedStart = job.startTime;
    return { status: 'pending', detail };
  }
  if (job.state === 'SUSPENDED') return { status: 'pending', detail: { reason: 'Suspended' } };
  if (RUNNING.has(job.state)) {
    // squeue's start and time limit: `scontrol update TimeLimit=…` on a running job moves the end.
    const start = job.startTime ? Date.parse(job.startTime) : Number.NaN;
    const limit = job.timeLimitSeconds;
    return {
      status: 'running',
      ...(job.node && { host: job.node }),
      ...(Number.isFinite(start) &&
        typeof limit === 'number' && { endsAt: new Date(start + limit * 1000).toISOString() }),
    };
  }
  return stopped(job, signalSeconds);
}
