// The routes in memory: user → server name → route, plus the names of every named server each
// user has (running or not), which is what decides whether `/user/ada/lab/…` is ada's server
// "lab" or the path `lab/…` of her default server. Both lookups are Map reads: the cost does not
// grow with the number of routes.
import type { Route } from './types.js';

export class MemoryRouteTable {
  private readonly routes = new Map<string, Map<string, Route>>();
  private readonly named = new Map<string, Set<string>>();
  private count = 0;

  /** The route of `/user/{user}/{segment}/…` (see RouteTable.resolve). */
  resolve(user: string, segment: string | null): Route | undefined {
    const servers = this.routes.get(user);
    if (segment !== null && this.named.get(user)?.has(segment)) return servers?.get(segment);
    return servers?.get('');
  }

  get(user: string, server: string): Route | undefined {
    return this.routes.get(user)?.get(server);
  }

  /** Adds or replaces a route; returns the one it replaced. */
  set(route: Route): Route | undefined {
    let servers = this.routes.get(route.owner);
    if (!servers) {
      servers = new Map();
      this.routes.set(route.owner, servers);
    }
    const old = servers.get(route.name);
    servers.set(route.name, route);
    if (!old) this.count++;
    if (route.name !== '') this.declare(route.owner, route.name);
    return old;
  }

  /** Removes a route (the server still exists); returns it. */
  delete(user: string, server: string): Route | undefined {
    const servers = this.routes.get(user);
    const old = servers?.get(server);
    if (!servers || !old) return undefined;
    servers.delete(server);
    if (servers.size === 0) this.routes.delete(user);
    this.count--;
    return old;
  }

  /** Records that the user has a named server of this name (in any status). */
  declare(user: string, server: string): void {
    if (server === '') return;
    let names = this.named.get(user);
    if (!names) {
      names = new Set();
      this.named.set(user, names);
    }
    names.add(server);
  }

  /** Records that a named server no longer exists (its route must be deleted first). */
  forget(user: string, server: string): void {
    const names = this.named.get(user);
    names?.delete(server);
    if (names?.size === 0) this.named.delete(user);
  }

  get size(): number {
    return this.count;
  }

  *all(): IterableIterator<Route> {
    for (const servers of this.routes.values()) yield* servers.values();
  }
}
