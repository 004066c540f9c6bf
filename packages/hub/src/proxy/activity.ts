// Last activity of servers, for idle culling and the admin page. The proxy stamps a route in
// memory on every request and WebSocket message (an assignment); this writes the stamps to
// `servers.last_activity` (and the owner's `users.last_activity`) once per interval, and only for
// servers that were used since: at most one write per server per interval, whatever the traffic.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ProxyLog, Route } from './types.js';

export class ActivityRecorder {
  private readonly written = new WeakMap<Route, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly routes: () => Iterable<Route>,
    private readonly intervalMs: number,
    private readonly log: ProxyLog,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes what changed since the last flush; concurrent calls share one run. */
  flush(): Promise<void> {
    this.running ??= this.write([...this.routes()]).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Writes the activity of a route that is going away. */
  async retire(route: Route): Promise<void> {
    await this.write([route]);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(routes: Route[]): Promise<void> {
    for (const route of routes) {
      const at = route.lastActivity;
      if (at === 0 || at <= (this.written.get(route) ?? 0)) continue;
      this.written.set(route, at);
      const iso = new Date(at).toISOString();
      try {
        await this.db.updateTable('servers').set({ last_activity: iso }).where('id', '=', route.id).execute();
        await this.db
          .updateTable('users')
          .set({ last_activity: iso })
          .where('id', '=', route.ownerId)
          .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', iso)]))
          .execute();
      } catch (err) {
        this.log.warn({ err, server: route.id }, 'could not record the last activity of a server');
      }
    }
  }
}
