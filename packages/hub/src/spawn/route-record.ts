// How a server's route is kept in `servers.route`: `{ url, fingerprint?, sealed_secret? }`, the
// agent's secret only sealed (secret-box.ts). Written when a server becomes ready, read when a
// hub starts, so that a restarted hub routes every running server again without its agents.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import type { SecretBox } from './secret-box.js';
import { serversForRoutes } from './servers-store.js';

/** Where a ready server is reached, as its agent reported it. */
export interface RouteTarget {
  /** `https://host:port` (an agent: certificate pinned) or `http://127.0.0.1:port` (loopback only). */
  url: string;
  /** SHA-256 of the agent's DER certificate in hex. */
  fingerprint?: string | undefined;
  /** Presented to the agent on every request. */
  secret?: string | undefined;
}

interface StoredRoute {
  url: string;
  fingerprint?: string;
  sealed_secret?: string;
}

export function sealRoute(target: RouteTarget, serverId: number, box: SecretBox): string {
  const stored: StoredRoute = { url: target.url };
  if (target.fingerprint !== undefined) stored.fingerprint = target.fingerprint;
  if (target.secret !== undefined) stored.sealed_secret = box.seal(target.secret, serverId);
  return JSON.stringify(stored);
}

/** The route as the agent reported it; throws when it is not readable (another cookie secret). */
export function openRoute(json: string, serverId: number, box: SecretBox): RouteTarget {
  const stored = JSON.parse(json) as StoredRoute;
  return {
    url: stored.url,
    fingerprint: stored.fingerprint,
    secret: stored.sealed_secret === undefined ? undefined : box.open(stored.sealed_secret, serverId),
  };
}

/** The host a route points at (the compute node), for the pages; null without a readable route. */
export function routeHost(json: string | null): string | null {
  if (!json) return null;
  try {
    return new URL((JSON.parse(json) as StoredRoute).url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/** A server as the proxy's route table knows it. */
export interface RoutedServer {
  id: number;
  ownerId: number;
  owner: string;
  name: string;
}

/** What the service needs of the proxy's route table (in memory; the database is written here). */
export interface RouteSink {
  /** Makes a server reachable; throws when the target is not acceptable. */
  add(server: RoutedServer, target: RouteTarget): void;
  remove(serverId: number): void;
  /** A named server exists (in any status), so its path is not taken for the default server's. */
  declare(owner: string, name: string): void;
  /** A named server was deleted. */
  forget(owner: string, name: string): void;
}

/**
 * Declares every server's path and routes each running server again from its stored route (a hub
 * starting); a route that cannot be opened is logged with what to do, and the rest still load.
 */
export async function loadRoutes(deps: {
  db: Kysely<Database>;
  routes: RouteSink;
  box: SecretBox;
  log: Logger;
}): Promise<void> {
  const { db, routes, box, log } = deps;
  let routed = 0;
  for (const row of await serversForRoutes(db)) {
    routes.declare(row.owner, row.name);
    if (row.status !== 'running' || row.route === null) continue;
    try {
      routes.add(
        { id: row.id, ownerId: row.user_id, owner: row.owner, name: row.name },
        openRoute(row.route, row.id, box),
      );
      routed++;
    } catch (err) {
      log.warn(
        { user: row.owner, server: row.name, err: (err as Error).message },
        'the route of a running server cannot be used; restart the server to reach it again',
      );
    }
  }
  log.info({ routes: routed }, 'proxy routes loaded');
}
