// Watches every starting and running server with one batched poll per interval: one call of the
// spawner's pollMany (one scheduler query) for all of them, whatever their number. What a poll
// result means for a server is the spawning service's business: the monitor reports each result
// to it and keeps nothing itself.
import type { Logger } from 'pino';
import { Periodic } from '../util/periodic.js';
import type { PollResult, SpawnerState } from './spawner.js';

/** How long the reports of one poll run before the event loop gets a turn. */
const YIELD_AFTER_MS = 10;

export interface Polled {
  id: number;
  state: SpawnerState;
}

export interface MonitorOptions<S extends Polled> {
  intervalSeconds: number;
  /** The servers to poll now. */
  list(): Promise<S[]>;
  /** One query for all of them, results in the same order. */
  pollMany(states: SpawnerState[]): Promise<PollResult[]>;
  /** What became of one server. */
  report(server: S, result: PollResult): Promise<void>;
  log: Pick<Logger, 'error'>;
}

export class Monitor<S extends Polled> {
  private readonly periodic: Periodic;
  private closed = false;

  constructor(private readonly options: MonitorOptions<S>) {
    this.periodic = new Periodic(() => this.poll(), options.intervalSeconds * 1000);
  }

  /** Polls once, then every interval (unless closed meanwhile). */
  async start(): Promise<void> {
    await this.periodic.runOnce();
    if (!this.closed) this.periodic.start();
  }

  close(): Promise<void> {
    this.closed = true;
    return this.periodic.close();
  }

  /** One poll of every server; overlapping calls share the one in flight. */
  pollOnce(): Promise<void> {
    return this.periodic.runOnce();
  }

  private async poll(): Promise<void> {
    const { list, pollMany, report, log } = this.options;
    try {
      const servers = await list();
      if (servers.length === 0) return;
      const results = await pollMany(servers.map((s) => s.state));
      let since = performance.now();
      for (const [i, server] of servers.entries()) {
        const result = results[i];
        if (result) await report(server, result);
        // On SQLite every report's writes are synchronous and awaiting them never lets the event
        // loop turn: a poll that sees a class's thousand jobs start would hold every request
        // for as long as its reports take. Requests get their turn every few milliseconds.
        if (performance.now() - since > YIELD_AFTER_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          since = performance.now();
        }
      }
    } catch (err) {
      log.error({ err }, 'polling servers failed; trying again at the next interval');
    }
  }
}
