// Puts the proxy into the hub. Requests under /user/ and every upgrade are taken off the HTTP
// server before Fastify sees them (Fastify's per-request work — routing, hooks, the session
// lookup, request logs — would cost more than the forwarding itself); everything else goes to
// Fastify. The hub's side of the contracts: the route table the spawning service fills
// (route-store.ts), the authorizer with its cache (hub-authorizer.ts), activity handed back
// (activity.ts), and the hub's pages for people (ProxyPages).
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import fp from 'fastify-plugin';
import type { HubConfig } from '../config/index.js';
import type { HubContext } from '../context.js';
import { ActivityRecorder } from './activity.js';
import { errorAnswer, sendAnswer, sendAnswerOnSocket } from './answers.js';
import { ConnectionTracker } from './connections.js';
import { HubAuthorizer, type HubIdentity } from './hub-authorizer.js';
import { UserServerProxy } from './proxy.js';
import { HubRoutes, type HubRoutesOptions } from './route-store.js';
import { acceptTlsToo, type TlsToo } from './tls-too.js';
import type { ProxyLimits, ProxyObserver, ProxyPages, Route } from './types.js';
import { isUserPath } from './user-path.js';

export interface HubProxy {
  proxy: UserServerProxy<HubIdentity>;
  /** The route table, which the spawning service fills. */
  routes: HubRoutes;
  authorizer: HubAuthorizer;
  activity: ActivityRecorder;
  /**
   * After a server's shares changed: the authorizer forgets what it cached about the server, and
   * WebSockets of callers it now refuses are closed. Resolves when they are.
   */
  sharesChanged(serverId: number): Promise<void>;
  /** For Fastify's `serverFactory` option. */
  serverFactory: FastifyServerFactory;
  /** Registers `app.proxy`, forgets sessions at logout, closes WebSockets and pools with the app. */
  plugin: (app: FastifyInstance) => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    proxy: HubProxy;
  }
}

const seconds = (s: number) => s * 1000;

export function proxyLimits(config: HubConfig['proxy']): ProxyLimits {
  return {
    connectTimeoutMs: seconds(config.connect_timeout_seconds),
    idleTimeoutMs: seconds(config.idle_timeout_seconds),
    websocketIdleTimeoutMs: seconds(config.websocket_idle_timeout_seconds),
    maxSockets: config.upstream_max_sockets,
    maxFreeSockets: config.upstream_max_free_sockets,
    keepAliveMs: seconds(config.upstream_keep_alive_seconds),
    maxHeaderBytes: config.max_header_bytes,
  };
}

function createServer(
  config: HubConfig['proxy'],
  tls: https.ServerOptions | undefined,
  onRequest: http.RequestListener,
): http.Server | https.Server {
  const requestTimeout = seconds(config.request_timeout_seconds);
  const options = {
    maxHeaderSize: config.max_header_bytes,
    requestTimeout,
    // Node refuses a head timeout longer than the whole-request timeout.
    headersTimeout:
      requestTimeout > 0
        ? Math.min(seconds(config.headers_timeout_seconds), requestTimeout)
        : seconds(config.headers_timeout_seconds),
    keepAliveTimeout: seconds(config.keep_alive_timeout_seconds),
    noDelay: true,
  };
  const server = tls
    ? https.createServer({ ...tls, ...options }, onRequest)
    : http.createServer(options, onRequest);
  server.keepAliveTimeout = options.keepAliveTimeout;
  if (config.max_requests_per_connection > 0)
    server.maxRequestsPerSocket = config.max_requests_per_connection;
  return server;
}

export interface HubProxyOptions {
  hub: HubContext;
  cookieSecret: string;
  pages: ProxyPages;
  /** The server a path names when it has no route. */
  findUnrouted: HubRoutesOptions['findUnrouted'];
  /** Records that a route's server was used at `at`. */
  recordActivity(route: Route, at: Date): Promise<void>;
  /**
   * The hub's own certificate, with which a hub serving plain HTTP answers TLS on the same port
   * too (tls-too.ts), and which requests may be served over it (the agent API's).
   */
  agentApiTls?: (TlsToo & { serves(url: string): boolean }) | undefined;
  /** Told of every request and WebSocket through the proxy (the hub's metrics). */
  observer?: ProxyObserver | undefined;
}

export function createHubProxy({
  hub,
  cookieSecret,
  pages,
  findUnrouted,
  recordActivity,
  agentApiTls,
  observer,
}: HubProxyOptions): HubProxy {
  const config = hub.config.proxy;
  const log = hub.log.child({ component: 'proxy' });
  const authorizer = new HubAuthorizer({
    db: hub.db,
    cookieSecret,
    adminAccess: config.admin_access,
    cacheMs: seconds(config.auth_cache_seconds),
  });
  let proxy: UserServerProxy<HubIdentity> | undefined;
  let activity: ActivityRecorder | undefined;
  const routes = new HubRoutes({
    findUnrouted,
    onRetired: (route) => {
      proxy?.release(route);
      void activity?.retire(route);
    },
  });
  activity = new ActivityRecorder({
    routes: () => routes.all(),
    record: recordActivity,
    intervalMs: seconds(config.activity_flush_seconds),
    log,
  });
  activity.start();
  proxy = new UserServerProxy({ routes, authorizer, limits: proxyLimits(config), pages, log, observer });

  const userProxy = proxy;
  const recorder = activity;
  const connections = new ConnectionTracker();
  const serverFactory: FastifyServerFactory = (handler, options) => {
    const tls = options.https as https.ServerOptions | undefined;
    const agentTls = tls ? undefined : agentApiTls;
    const server = createServer(config, tls, (req, res) => {
      connections.markUsed(req.socket);
      const url = req.url ?? '';
      // Over the agents' TLS, nothing but the agent API: the pages and the proxy (and their
      // cookies) live on the site's own origin.
      if (agentTls && (req.socket as TLSSocket).encrypted && !agentTls.serves(url))
        sendAnswer(res, errorAnswer('not_found', { html: false, principal: null, pages }));
      else if (isUserPath(url)) userProxy.handleRequest(req, res);
      else handler(req, res);
    });
    if (agentTls) acceptTlsToo(server as http.Server, agentTls);
    connections.attach(server as http.Server, tls !== undefined);
    server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (isUserPath(req.url ?? '')) return userProxy.handleUpgrade(req, socket, head);
      socket.on('error', () => socket.destroy());
      sendAnswerOnSocket(socket, errorAnswer('not_found', { html: false, principal: null, pages }));
    });
    return server as http.Server;
  };

  const hubProxy: HubProxy = {
    proxy: userProxy,
    routes,
    authorizer,
    activity: recorder,
    async sharesChanged(serverId) {
      authorizer.forgetServer(serverId);
      const closed = await userProxy.recheck(serverId);
      if (closed > 0)
        log.info({ server_id: serverId, closed }, 'WebSockets closed after a share was withdrawn');
    },
    serverFactory,
    plugin: fp(
      async (app: FastifyInstance) => {
        app.decorate('proxy', hubProxy);
        app.addHook('onResponse', async (request) => {
          // After the logout handler deleted the session: a proxied request cannot re-cache it.
          if (request.method === 'POST' && request.routeOptions.url === '/hub/logout' && request.sessionId)
            authorizer.forgetSession(request.sessionId);
        });
        // Before the server closes: spliced WebSockets and proxied streams (events, downloads)
        // would keep it open for as long as they last; browsers reconnect to the next hub.
        app.addHook('preClose', async () => {
          userProxy.close();
          connections.closeUnused();
        });
        app.addHook('onClose', async () => recorder.close());
        // The routes were loaded before the hub listened (onReady): connect to their servers
        // ahead of their first requests, in the background (connect-ahead.ts).
        app.addHook('onListen', async () => {
          if (config.connect_ahead_concurrency === 0) return;
          void userProxy.connectAhead(routes.all(), config.connect_ahead_concurrency).then((counts) => {
            if (counts.routes > 0) log.info(counts, 'connections to servers opened ahead');
          });
        });
      },
      { name: 'hpchub-proxy', dependencies: ['hpchub-principal'] },
    ),
  };
  return hubProxy;
}
