// The hub's route table: the routes in memory (MemoryRouteTable), filled and changed by the
// spawning service through add/remove/declare/forget, which has already written the database.
// The cold path (a server without a route) is answered by a lookup the hub provides. Retired
// routes (removed or replaced) are handed to `onRetired` to close their connections.
import { MemoryRouteTable } from './route-table.js';
import { parseTarget } from './target.js';
import type { Route, RouteTable, RouteTarget, ServerRef, UnroutedServer } from './types.js';

export interface HubRoutesOptions {
  /** The server a path names when it has no route (see RouteTable.findUnrouted). */
  findUnrouted(user: string, segment: string | null): Promise<UnroutedServer | undefined>;
  /** Called with a route that was removed or replaced (close its connections, record its activity). */
  onRetired(route: Route): void;
}

export class HubRoutes implements RouteTable {
  readonly table = new MemoryRouteTable();
  private readonly byId = new Map<number, Route>();

  constructor(private readonly options: HubRoutesOptions) {}

  resolve(user: string, segment: string | null): Route | undefined {
    return this.table.resolve(user, segment);
  }

  async findUnrouted(user: string, segment: string | null): Promise<UnroutedServer | undefined> {
    const server = await this.options.findUnrouted(user, segment);
    // A named server created after this table was filled, without telling it: learn it now.
    if (server && server.name !== '') this.table.declare(server.owner, server.name);
    return server;
  }

  /** Makes a ready server reachable. Throws when the target is not acceptable (see target.ts). */
  add(server: Omit<ServerRef, 'id'> & { id: number }, target: RouteTarget): Route {
    const parsed = parseTarget(target);
    const route: Route = {
      ...server,
      target: { url: target.url, fingerprint: parsed.fingerprint, secret: target.secret },
      lastActivity: 0,
    };
    const replaced = this.byId.get(server.id);
    if (replaced && (replaced.owner !== route.owner || replaced.name !== route.name)) this.remove(server.id);
    this.byId.set(server.id, route);
    const old = this.table.set(route);
    if (old) this.options.onRetired(old);
    return route;
  }

  /** Makes a server unreachable (it stopped, or is stopping); it keeps its name. */
  remove(serverId: number): void {
    const route = this.byId.get(serverId);
    if (!route) return;
    this.byId.delete(serverId);
    const old = this.table.delete(route.owner, route.name);
    if (old) this.options.onRetired(old);
  }

  /** A named server exists, so its path is not taken for the default server's. */
  declare(owner: string, name: string): void {
    this.table.declare(owner, name);
  }

  /** A named server was deleted (its route was removed first). */
  forget(owner: string, name: string): void {
    const route = this.table.get(owner, name);
    if (route) this.remove(route.id);
    this.table.forget(owner, name);
  }

  all(): IterableIterator<Route> {
    return this.table.all();
  }
}
