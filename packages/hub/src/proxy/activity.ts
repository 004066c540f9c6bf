// Last activity of servers, for idle culling and the admin page. The proxy stamps a route in
// memory on every request and WebSocket message (an assignment); this hands the stamps to the
// hub (`record`, which writes the server's and its owner's last activity) once per interval, and
// only for servers that were used since: at most one write per server per interval, whatever
// the traffic.
import { Periodic } from '../util/periodic.js';
import type { ProxyLog, Route } from './types.js';

export interface ActivityOptions {
  /** The routes whose stamps to look at. */
  routes(): Iterable<Route>;
  /** Records that a route's server was used at `at`. */
  record(route: Route, at: Date): Promise<void>;
  intervalMs: number;
  log: ProxyLog;
}

export class ActivityRecorder {
  private readonly written = new WeakMap<Route, number>();
  private readonly periodic: Periodic;

  constructor(private readonly options: ActivityOptions) {
    this.periodic = new Periodic(() => this.write([...options.routes()]), options.intervalMs);
  }

  start(): void {
    this.periodic.start();
  }

  /** Writes what changed since the last flush; concurrent calls share one run. */
  flush(): Promise<void> {
    return this.periodic.runOnce();
  }

  /** Writes the activity of a route that is going away. */
  async retire(route: Route): Promise<void> {
    await this.write([route]);
  }

  async close(): Promise<void> {
    await this.periodic.close();
    await this.flush();
  }

  private async write(routes: Route[]): Promise<void> {
    for (const route of routes) {
      const at = route.lastActivity;
      if (at === 0 || at <= (this.written.get(route) ?? 0)) continue;
      this.written.set(route, at);
      try {
        await this.options.record(route, new Date(at));
      } catch (err) {
        this.options.log.warn({ err, server: route.id }, 'could not record the last activity of a server');
      }
    }
  }
}
