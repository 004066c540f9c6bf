// The proxy's contracts: what a route is, and the two small interfaces the proxy depends on — a
// route table and an authorizer. Nothing here knows the database or Fastify, so the proxy can
// later run in worker threads or a process of its own, fed by other implementations of these.
import type { Principal } from '../auth/scopes.js';
import type { HubError } from '../errors/index.js';

/**
 * How to reach a server, as its spawner learns it when the server is ready. This is what
 * `servers.route` records, except that the database holds the secret sealed (see secret-box.ts).
 */
export interface RouteTarget {
  /** `https://host:port` (an agent: certificate pinned) or `http://127.0.0.1:port` (loopback only). */
  url: string;
  /** SHA-256 of the agent's DER certificate in hex (colons and case ignored); required for https. */
  fingerprint?: string | undefined;
  /** Presented to the server on every request and upgrade in the X-Hpchub-Agent-Secret header. */
  secret?: string | undefined;
}

/** A server as authorization sees it. */
export interface ServerRef {
  /** `servers.id`; null for a default server that was never started (it has no row yet). */
  id: number | null;
  ownerId: number;
  owner: string;
  /** '' for the default server. */
  name: string;
}

/** A server the proxy can forward to. The route table owns it; the proxy updates lastActivity. */
export interface Route extends ServerRef {
  id: number;
  target: RouteTarget;
  /** Date.now() of the last request or WebSocket traffic; 0 when there was none yet. */
  lastActivity: number;
}

/** A server that exists but has no route: stopped, starting, or running but not reachable yet. */
export interface UnroutedServer extends ServerRef {
  /** `servers.status` ('pending', 'running', 'stopping', 'stopped'); 'stopped' for one never started. */
  status: string;
}

export interface RouteTable {
  /**
   * The hot path: the route of a request to `/user/{user}/{segment}/…`, where `segment` is the
   * second path segment (null when there is none). As in JupyterHub, the segment names a server
   * when the user has a named server of that name — running or not — and otherwise the path
   * belongs to the default server. Synchronous, and O(1) whatever the number of routes.
   */
  resolve(user: string, segment: string | null): Route | undefined;
  /**
   * The cold path, for a request that `resolve` found no route for: the server the path names,
   * by the same rule, in any status; undefined when there is none (unknown user included).
   */
  findUnrouted(user: string, segment: string | null): Promise<UnroutedServer | undefined>;
}

/** The hub credentials a request carries; the proxy never forwards them. */
export interface Credentials {
  /** The raw Cookie header. */
  cookie: string | undefined;
  /** The raw Authorization header. */
  authorization: string | undefined;
}

/** Who sent a request. Authorizers may return richer objects and get them back in mayReach. */
export interface Identity {
  readonly principal: Principal;
}

/** null: no credentials (anonymous); 'invalid_token': an API token that is unknown, expired or revoked. */
export type Identified<I extends Identity> = I | null | 'invalid_token';

export interface ProxyAuthorizer<I extends Identity = Identity> {
  /**
   * Who sent a request, from its credentials. Called for every request and upgrade, so it
   * answers synchronously when it can (from a cache) and returns a promise only when it cannot.
   */
  identify(credentials: Credentials): Identified<I> | Promise<Identified<I>>;
  /** Whether `identity` may reach `server`; synchronous when it can be. */
  mayReach(identity: I, server: ServerRef): boolean | Promise<boolean>;
}

/** Limits of the proxy's data path, in milliseconds and counts (from the `proxy` options). */
export interface ProxyLimits {
  connectTimeoutMs: number;
  /** 0: none. */
  idleTimeoutMs: number;
  /** 0: none. */
  websocketIdleTimeoutMs: number;
  maxSockets: number;
  maxFreeSockets: number;
  keepAliveMs: number;
  maxHeaderBytes: number;
}

/** A request over HTTP, or a WebSocket (an upgrade request, then the spliced connection). */
export type ExchangeKind = 'http' | 'websocket';

/**
 * What the proxy tells whoever watches it (the hub's metrics). Called on the hot path for every
 * request: implementations only add to counters, and never throw. Byte counts are of bodies (and
 * of a WebSocket's frames), not of heads; nothing here names a user, a server or a path.
 */
export interface ProxyObserver {
  /**
   * A request was answered, by its server or by the proxy, `seconds` after it arrived: for HTTP
   * once the answer was sent (or cut short), for a WebSocket once its upgrade was answered (101
   * or a refusal). `status` is the status sent; 0 when the browser left before any. `received`:
   * the request body's bytes (its declared length, or what was forwarded of a chunked one);
   * `sent`: the bytes of the answer's body.
   */
  exchanged(kind: ExchangeKind, status: number, received: number, sent: number, seconds: number): void;
  /** A WebSocket was spliced to its server. */
  websocketOpened(): void;
  /** A spliced WebSocket closed, having carried `received` bytes from the browser and `sent` to it. */
  websocketClosed(received: number, sent: number): void;
}

/** The part of a pino logger the proxy uses. */
export interface ProxyLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/**
 * The words and pages the proxy answers people with, in the hub's look. The hub's pages provide
 * them; the proxy itself renders no HTML.
 */
export interface ProxyPages {
  /** "ada's server lab", for messages. */
  label(server: ServerRef): string;
  /** The hub's one error page. */
  error(err: HubError, principal: Principal | null): string;
  /** The server exists but has no route: starting, stopping or stopped, and what to do. */
  notRunning(server: UnroutedServer, principal: Principal, next: string): string;
}
