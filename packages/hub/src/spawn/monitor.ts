// Watches every starting and running server with one batched poll per interval (one scheduler
// query for all of them), and turns what the spawner reports into progress, start timeouts and
// recorded ends. At hub start it re-adopts the servers the database says are active: nothing is
// restarted, and a job that is still queued goes on to become ready.
import type { ServerRow } from '../db/schema.js';
import type { Orchestrator } from './orchestrator.js';
import { parseState } from './orchestrator.js';
import { activeServers, recordEnd, type ServerEndReason } from './servers-store.js';
import type { EndReason, PollResult } from './spawner.js';

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

export class Monitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastUnknownWarning = 0;

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly intervalSeconds: number,
  ) {}

  /** Re-adopts active servers after a (re)start, polls once, then keeps polling. */
  async start(): Promise<void> {
    const { progress, log } = this.orchestrator.deps;
    const active = await activeServers(this.orchestrator.deps.db);
    for (const server of active) {
      if (server.status !== 'pending') continue;
      this.orchestrator.pending.set(server.id, {
        timeoutSeconds: this.orchestrator.deps.config.spawner.start_timeout_seconds,
      });
      progress.emit(server.id, {
        progress: 20,
        message: 'The hub restarted; picking up this server where it was.',
      });
    }
    if (active.length > 0) log.info({ servers: active.length }, 're-adopting active servers');
    await this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One poll of every active server; overlapping calls share the one in flight. */
  pollOnce(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async poll(): Promise<void> {
    const { db, spawner, log } = this.orchestrator.deps;
    try {
      const servers = (await activeServers(db)).filter((s) => !this.orchestrator.launching.has(s.id));
      if (servers.length === 0) return;
      const results = await spawner.pollMany(servers.map(parseState));
      for (const [i, server] of servers.entries()) {
        const result = results[i];
        const busy = this.orchestrator.stopping.has(server.id) || this.orchestrator.launching.has(server.id);
        if (result && !busy) await this.apply(server, server.owner, result);
      }
    } catch (err) {
      log.error({ err }, 'polling servers failed; trying again at the next interval');
    }
  }

  private async apply(server: ServerRow, owner: string, result: PollResult): Promise<void> {
    const { progress, log, db } = this.orchestrator.deps;
    const pending = this.orchestrator.pending.get(server.id);
    switch (result.status) {
      case 'unknown':
        // The scheduler did not answer: keep waiting, never declare the job dead.
        if (Date.now() - this.lastUnknownWarning > 60_000) {
          this.lastUnknownWarning = Date.now();
          log.warn({ detail: result.detail }, 'cannot tell the state of jobs; keeping them as they are');
        }
        return;
      case 'pending': {
        if (server.status !== 'pending') return;
        const q = result.detail;
        let message = 'Waiting in the queue';
        if (q?.reason) message += ` (reason: ${q.reason})`;
        if (q?.estimatedStart) message += `; estimated start ${q.estimatedStart}`;
        progress.emit(server.id, {
          progress: 30,
          message,
          queue: { reason: q?.reason, estimated_start: q?.estimatedStart },
        });
        return;
      }
      case 'running': {
        if (server.status !== 'pending' || !pending) return;
        if (pending.runningSince === undefined) {
          pending.runningSince = Date.now();
          const where = result.host ? ` on ${result.host}` : '';
          progress.emit(server.id, { progress: 50, message: `Job running${where}, starting ${server.app}` });
          return;
        }
        if (Date.now() - pending.runningSince > pending.timeoutSeconds * 1000) {
          await this.orchestrator.fail(
            server,
            owner,
            `${server.app} did not answer within ${pending.timeoutSeconds} seconds. Its log is in ~/.hpchub/logs on the node.`,
          );
        }
        return;
      }
      case 'stopped': {
        if (server.status === 'pending') {
          // The row as read before polling: if a launch has saved another state since, that one counts.
          if ((await this.orchestrator.reload(server.id))?.spawner_state !== server.spawner_state) return;
          const message =
            pending?.agentFailure ?? endDetail(result) ?? 'The job ended before the app was ready.';
          await this.orchestrator.fail(server, owner, message);
          return;
        }
        // A running or stopping server whose job is gone: record why, unless stop() already did.
        await this.orchestrator.deps.routes.removeRoute(owner, server.name);
        if (await recordEnd(db, server, owner, END_REASONS[result.reason], endDetail(result))) {
          log.info({ user: owner, server: server.name, reason: result.reason }, 'server ended');
        }
        return;
      }
    }
  }
}
