// What one poll result means for a server: queue details and "job running" on the progress
// stream, the start timeout, a start that failed because its job ended, the recorded end of a
// running server whose job is gone. The spawning service calls this for every result the monitor
// reports, with its own state behind the PollReport interface.
import type { Logger } from 'pino';
import type { ServerRow } from '../db/schema.js';
import type { ProgressBus } from './progress.js';
import type { ServerEndReason } from './servers-store.js';
import type { EndReason, PollResult } from './spawner.js';

type Server = ServerRow & { owner: string };

/** The part of the spawning service a poll result may act on. */
export interface PollReport {
  bus: ProgressBus;
  log(): Pick<Logger, 'info'>;
  /** The scheduler could not tell (said at most once a minute, by the service). */
  unknown(detail: string): void;
  /** The start in progress of a server, if it is one. */
  startOf(id: number): { runningSince?: number; timeoutSeconds: number; agentFailure?: string } | undefined;
  fail(server: Server, message: string): Promise<void>;
  /**
   * A server the hub began to stop (stopping, with the end it was carrying out) whose job still
   * runs or waits: the stop was cut short (the hub was killed, Slurm did not answer). Stops the
   * job and records that end, in the background.
   */
  finishStop(server: Server, reason: ServerEndReason, detail: string | null): void;
  /** The job of a start was first seen running, on `node` if known: the agent will report in. */
  jobRunning(id: number, node: string | undefined): Promise<void>;
  /** The server's spawner state as the database holds it now. */
  stateNow(id: number): Promise<string | undefined>;
  /** The job's end as the scheduler now plans it (its time limit), when it changed. */
  limitEnds(id: number, at: string | null): Promise<void>;
  /** Records the end of a server that was running (route removed); false if already recorded. */
  ended(server: Server, reason: ServerEndReason, detail: string | null): Promise<boolean>;
}

const END_REASONS: Record<EndReason, ServerEndReason> = {
  exited: 'exited',
  failed: 'exited',
  cancelled: 'cancelled',
  time_limit: 'time_limit',
  node_failure: 'node_failure',
  unknown: 'unknown',
};

/** What a user reads about an end, e.g. on the home page: "ended: time limit reached". */
function endDetail(result: Extract<PollResult, { status: 'stopped' }>): string | null {
  if (result.reason === 'time_limit') return 'The job reached its time limit.';
  if (result.reason === 'node_failure') return 'The compute node running the job failed.';
  if (result.exitCode !== undefined) return `The job ended with exit code ${result.exitCode}.`;
  return result.detail ?? null;
}

/** The end a stop cut short was carrying out (see markStopping), if the server is such a one. */
function unfinishedStop(server: Server): { reason: ServerEndReason; detail: string | null } | undefined {
  if (server.status !== 'stopping' || server.end_reason === null) return undefined;
  return { reason: server.end_reason as ServerEndReason, detail: server.end_detail };
}

export async function reportPoll(report: PollReport, server: Server, result: PollResult): Promise<void> {
  const start = report.startOf(server.id);
  const stopping = unfinishedStop(server);
  if (stopping && (result.status === 'pending' || result.status === 'running')) {
    report.finishStop(server, stopping.reason, stopping.detail);
    return;
  }
  switch (result.status) {
    case 'unknown':
      // The scheduler did not answer: keep waiting, never declare the job dead.
      report.unknown(result.detail);
      return;
    case 'pending': {
      if (server.status !== 'pending') return;
      const q = result.detail;
      let message = 'Waiting in the queue';
      if (q?.reason) message += ` (reason: ${q.reason})`;
      if (q?.estimatedStart) message += `; estimated start ${q.estimatedStart}`;
      report.bus.step(server.id, 'queued', message, {
        queue: { reason: q?.reason, estimated_start: q?.estimatedStart },
      });
      return;
    }
    case 'running': {
      const ends = result.endsAt ?? null;
      if (ends !== server.limit_ends) await report.limitEnds(server.id, ends);
      if (server.status !== 'pending' || !start) return;
      if (start.runningSince === undefined) {
        start.runningSince = Date.now();
        await report.jobRunning(server.id, result.host);
        const where = result.host ? ` on ${result.host}` : '';
        report.bus.step(server.id, 'running', `Job running${where}, starting ${server.app}`);
        return;
      }
      if (Date.now() - start.runningSince > start.timeoutSeconds * 1000) {
        await report.fail(
          server,
          `${server.app} did not answer within ${start.timeoutSeconds} seconds. Its log is in ~/.hpchub/logs on the node.`,
        );
      }
      return;
    }
    case 'stopped': {
      if (server.status === 'pending') {
        // The row as read before polling: if a launch has saved another state since, that one counts.
        if ((await report.stateNow(server.id)) !== server.spawner_state) return;
        const message = start?.agentFailure ?? endDetail(result) ?? 'The job ended before the app was ready.';
        await report.fail(server, message);
        return;
      }
      // A running or stopping server whose job is gone: record why, unless stop() already did;
      // a stop cut short after its job ended keeps the end it was carrying out.
      const end = stopping ?? { reason: END_REASONS[result.reason], detail: endDetail(result) };
      if (await report.ended(server, end.reason, end.detail)) {
        report.log().info({ user: server.owner, server: server.name, reason: result.reason }, 'server ended');
      }
      return;
    }
  }
}
