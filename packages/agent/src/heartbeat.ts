// Heartbeats: every interval, one `heartbeat` message with the last time a request or WebSocket
// message passed through the agent and what the app says of its own use (app-activity.ts), which
// the hub's idle culler reads. One attempt each (the next beat comes anyway), never two in flight.
// A hub that answers that it does not know the server (deleted with its user, a database lost or
// reset) ends the beats and calls `forgotten`: the agent stops its app rather than serve nobody
// until the job's time limit.
import type { ActivityReader } from './app-activity.js';
import { type HubClient, hubForgotServer } from './hub-client.js';

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly hub: HubClient,
    private readonly intervalMs: number,
    private readonly lastActivity: () => number | null,
    private readonly forgotten: () => void,
    private readonly appActivity: ActivityReader = () => Promise.resolve(undefined),
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const app = await this.appActivity().catch(() => undefined);
      const last = this.lastActivity();
      const answer = await this.hub.send(
        'heartbeat',
        { last_activity: last === null ? null : new Date(last).toISOString(), ...(app ? { app } : {}) },
        { attempts: 1 },
      );
      if (this.timer && hubForgotServer(answer)) {
        this.stop();
        this.forgotten();
      }
    } finally {
      this.inFlight = false;
    }
  }
}
