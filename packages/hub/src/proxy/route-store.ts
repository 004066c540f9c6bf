// The hub's route table: routes live in `servers.route` and in memory (MemoryRouteTable). Loaded
// from the database when the hub starts — every running server with a route — and changed by
// the spawner with addRoute/removeRoute, which write the database first. The stored record is
// `{ url, fingerprint?, sealed_secret? }`: the secret only sealed (secret-box.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { MemoryRouteTable } from './route-table.js';
import type { SecretBox } from './secret-box.js';
import { parseTarget } from './target.js';
import type { ProxyLog, Route, RouteTable, RouteTarget, UnroutedServer } from './types.js';

/** What `servers.route` holds. */
export interface StoredRoute {
  url: string;
  fingerprint?: string;
  sealed_secret?: string;
}

export interface HubRoutesOptions {
  db: Kysely<Database>;
  box: SecretBox;
  log: ProxyLog;
  /** Called with a route that was removed or replaced (close its connections, record its activity). */
  onRetired(route: Route): void;
}

export class HubRoutes implements RouteTable {
  readonly table = new MemoryRouteTable();

  constructor(private readonly options: HubRoutesOptions) {}

  /** Reads every server: routes of the running ones, names of all. Run once at start. */
  async load(): Promise<void> {
    const rows = await this.options.db
      .selectFrom('servers')
      .innerJoin('users', 'users.id', 'servers.user_id')
      .select([
        'servers.id',
        'servers.user_id',
        'servers.name',
        'servers.status',
        'servers.route',
        'users.name as owner',
      ])
      .execute();
    for (const row of rows) {
      this.table.declare(row.owner, row.name);
      if (row.status !== 'running' || row.route === null) continue;
      const ref = { id: row.id, ownerId: row.user_id, owner: row.owner, name: row.name };
      try {
        this.table.set({
          ...ref,
          target: this.unseal(JSON.parse(row.route) as StoredRoute, row.id),
          lastActivity: 0,
        });
      } catch (err) {
        this.options.log.warn(
          { user: row.owner, server: row.name, err: (err as Error).message },
          'the route of a running server cannot be used; restart the server to reach it again',
        );
      }
    }
  }

  resolve(user: string, segment: string | null): Route | undefined {
    return this.table.resolve(user, segment);
  }

  async findUnrouted(user: string, segment: string | null): Promise<UnroutedServer | undefined> {
    const { db } = this.options;
    const owner = await db
      .selectFrom('users')
      .select(['id', 'name'])
      .where('name', '=', user)
      .executeTakeFirst();
    if (!owner) return undefined;
    const rows = await db
      .selectFrom('servers')
      .select(['id', 'name', 'status'])
      .where('user_id', '=', owner.id)
      .where('name', 'in', segment === null ? [''] : ['', segment])
      .execute();
    const ref = { ownerId: owner.id, owner: owner.name };
    const named = segment === null ? undefined : rows.find((r) => r.name === segment);
    if (named) {
      // Created after this hub started without telling it: learn it now.
      this.table.declare(user, named.name);
      return { ...ref, id: named.id, name: named.name, status: named.status };
    }
    // Every user has a default server, started or not (as in JupyterHub).
    const def = rows.find((r) => r.name === '');
    return { ...ref, id: def?.id ?? null, name: '', status: def?.status ?? 'stopped' };
  }

  /**
   * Makes a ready server reachable: records its route in the database, then in memory. The
   * server's row must exist. Throws when the target is not acceptable (see target.ts).
   */
  async addRoute(user: string, server: string, target: RouteTarget): Promise<Route> {
    const parsed = parseTarget(target);
    const { db, box } = this.options;
    const row = await this.serverRow(user, server);
    if (!row) throw new Error(`there is no server ${JSON.stringify(server)} of user ${JSON.stringify(user)}`);
    const stored: StoredRoute = { url: target.url };
    if (parsed.fingerprint !== undefined) stored.fingerprint = parsed.fingerprint;
    if (target.secret !== undefined) stored.sealed_secret = box.seal(target.secret, row.id);
    await db
      .updateTable('servers')
      .set({ route: JSON.stringify(stored) })
      .where('id', '=', row.id)
      .execute();
    const route: Route = {
      id: row.id,
      ownerId: row.user_id,
      owner: row.owner,
      name: server,
      target: { url: target.url, fingerprint: parsed.fingerprint, secret: target.secret },
      lastActivity: 0,
    };
    const old = this.table.set(route);
    if (old) this.options.onRetired(old);
    return route;
  }

  /** Makes a server unreachable (it stopped, or is stopping); it keeps its name. */
  async removeRoute(user: string, server: string): Promise<void> {
    const route = this.table.get(user, server);
    const id = route?.id ?? (await this.serverRow(user, server))?.id;
    if (id !== undefined)
      await this.options.db.updateTable('servers').set({ route: null }).where('id', '=', id).execute();
    const old = this.table.delete(user, server);
    if (old) this.options.onRetired(old);
  }

  /** Tells the table a named server was created, so its path is not taken for the default server's. */
  declareServer(user: string, server: string): void {
    this.table.declare(user, server);
  }

  /** Tells the table a named server was deleted. */
  forgetServer(user: string, server: string): void {
    const old = this.table.delete(user, server);
    if (old) this.options.onRetired(old);
    this.table.forget(user, server);
  }

  all(): IterableIterator<Route> {
    return this.table.all();
  }

  private unseal(stored: StoredRoute, serverId: number): RouteTarget {
    const target: RouteTarget = {
      url: stored.url,
      fingerprint: stored.fingerprint,
      secret:
        stored.sealed_secret === undefined
          ? undefined
          : this.options.box.open(stored.sealed_secret, serverId),
    };
    parseTarget(target);
    return target;
  }

  private serverRow(user: string, server: string) {
    return this.options.db
      .selectFrom('servers')
      .innerJoin('users', 'users.id', 'servers.user_id')
      .select(['servers.id', 'servers.user_id', 'users.name as owner'])
      .where('users.name', '=', user)
      .where('servers.name', '=', server)
      .executeTakeFirst();
  }
}
