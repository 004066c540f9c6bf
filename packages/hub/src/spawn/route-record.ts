// How a server's route is kept in `servers.route`: `{ url, fingerprint?, sealed_secret? }`, the
// agent's secret only sealed (secret-box.ts). Written when a server becomes ready, read when a
// hub starts, so that a restarted hub routes every running server again without its agents.
import type { SecretBox } from './secret-box.js';

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
