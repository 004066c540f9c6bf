// The proxy for `/user/{name}/{server}/…`: authorizes every request and WebSocket upgrade, then
// forwards it to the server's route. It depends only on a RouteTable and a ProxyAuthorizer
// (types.ts). The hot path — a cached identity and a route in memory — runs without a promise or
// a database query; the rest (first sight of a session, a server without a route) may wait.
//
// Order of checks, as JupyterHub's: who is calling (anonymous → login or 401, before anything is
// said about the server), then which server the path names, then may the caller reach it — a
// caller who may not gets exactly the 404 of a server that does not exist.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { forwardHttp, type HttpForward } from '@hpchub/protocol';
import {
  type Answer,
  type Audience,
  errorAnswer,
  loginRedirect,
  notRunningAnswer,
  redirectAnswer,
  sendAnswer,
  sendAnswerOnSocket,
} from './answers.js';
import { UpstreamConnectError } from './connect.js';
import { type AheadCounts, connectAhead } from './connect-ahead.js';
import { type Client, Exchange } from './exchange.js';
import { finishUpstreamHeaders, readRequestHead } from './headers.js';
import { parseTarget } from './target.js';
import type {
  Identified,
  Identity,
  ProxyAuthorizer,
  ProxyLimits,
  ProxyLog,
  ProxyObserver,
  ProxyPages,
  Route,
  RouteTable,
} from './types.js';
import { Upstream } from './upstream.js';
import { parseUserPath, withTrailingSlash } from './user-path.js';
import { forwardUpgrade } from './websocket.js';

export interface ProxyOptions<I extends Identity> {
  routes: RouteTable;
  authorizer: ProxyAuthorizer<I>;
  limits: ProxyLimits;
  pages: ProxyPages;
  log: ProxyLog;
  /** Told of every request and WebSocket (default: nobody). */
  observer?: ProxyObserver | undefined;
}

const UNOBSERVED: ProxyObserver = {
  exchanged: () => {},
  websocketOpened: () => {},
  websocketClosed: () => {},
};

/** Whether a cookie-authenticated upgrade comes from a page of this site (no Origin: not a browser). */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  const at = origin.indexOf('://');
  return at > 0 && host !== undefined && origin.slice(at + 3).toLowerCase() === host.toLowerCase();
}

// A refusing server gets one log line per route per interval, not one per request.
const FAILURE_LOG_INTERVAL_MS = 10_000;

export class UserServerProxy<I extends Identity = Identity> {
  private readonly upstreams = new Map<Route, Upstream>();
  /** Each spliced WebSocket pair: its closer, and who reached which route through it. */
  private readonly spliced = new Map<() => void, { route: Route; who: I }>();
  private readonly failureLogged = new WeakMap<Route, { at: number; suppressed: number }>();
  private closed = false;
  private readonly failed = (ex: Exchange<I>, err: Error) => this.upstreamFailed(ex, err);
  private readonly observer: ProxyObserver;

  constructor(private readonly options: ProxyOptions<I>) {
    this.observer = options.observer ?? UNOBSERVED;
  }

  /** For `request` events whose URL isUserPath(). */
  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.start(req, res, undefined, undefined);
  };

  /** For `upgrade` events whose URL isUserPath(). */
  readonly handleUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.start(req, undefined, socket, head);
  };

  /** Closes the connection pool of a route that was removed or replaced. */
  release(route: Route): void {
    this.upstreams.get(route)?.destroy();
    this.upstreams.delete(route);
  }

  /**
   * Opens a connection to each route's server ahead of its first request (a hub that just
   * loaded its routes), `concurrency` at a time; see connect-ahead.ts. Stops when the proxy closes.
   */
  connectAhead(routes: Iterable<Route>, concurrency: number): Promise<AheadCounts> {
    const proxy = this;
    function* pools() {
      for (const route of routes) {
        if (proxy.closed) return;
        yield proxy.upstreamOf(route).pool;
      }
    }
    return connectAhead(pools(), concurrency);
  }

  /** Number of spliced WebSocket pairs and of routes with a connection pool (for tests and benchmarks). */
  stats(): { websockets: number; upstreams: number } {
    return { websockets: this.spliced.size, upstreams: this.upstreams.size };
  }

  /**
   * Asks the authorizer again about every WebSocket open to a server and closes those it now
   * refuses: after the server's shares changed, whoever lost access loses the open connections
   * too, not only new ones. (Callers first make the authorizer forget what it cached.)
   */
  async recheck(serverId: number): Promise<number> {
    const open = [...this.spliced].filter(([, c]) => c.route.id === serverId);
    const verdicts = await Promise.all(
      open.map(([, c]) =>
        Promise.resolve(this.options.authorizer.mayReach(c.who, c.route)).catch(() => false),
      ),
    );
    let closed = 0;
    open.forEach(([close], i) => {
      if (!verdicts[i] && this.spliced.has(close)) {
        close();
        closed++;
      }
    });
    return closed;
  }

  /** Closes every WebSocket and pooled connection. Idempotent. */
  close(): void {
    this.closed = true;
    for (const close of [...this.spliced.keys()]) close();
    for (const upstream of this.upstreams.values()) upstream.destroy();
    this.upstreams.clear();
  }

  private start(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    socket: Socket | undefined,
    upgradeHead: Buffer | undefined,
  ): void {
    const began = performance.now();
    const url = req.url ?? '/';
    const path = parseUserPath(url);
    if (path === 'malformed') {
      const audience = { html: false, principal: null, pages: this.options.pages };
      const answer = errorAnswer('bad_request', audience, 'The path is not a valid URL.');
      const sent = this.answer({ req, res, socket }, answer);
      const status = sent === undefined ? 0 : answer.status;
      const kind = socket ? 'websocket' : 'http';
      this.observer.exchanged(kind, status, 0, sent ?? 0, (performance.now() - began) / 1000);
      return;
    }
    const head = readRequestHead(req.rawHeaders);
    const html =
      socket === undefined &&
      head.accept !== undefined &&
      head.accept.includes('text/html') &&
      !url.slice(0, path.pathEnd).includes('/api/');
    const ex = new Exchange(
      began,
      req,
      res,
      socket,
      url,
      path,
      head,
      html,
      upgradeHead,
      this.failed,
      this.observer,
    );
    let who: Identified<I> | Promise<Identified<I>>;
    try {
      who = this.options.authorizer.identify({ cookie: head.cookie, authorization: head.authorization });
    } catch (err) {
      this.cannotAuthorize(ex, err);
      return;
    }
    // A cached identity (the usual case) goes on at once, without a promise or a closure.
    if (who instanceof Promise)
      who.then(
        (w) => this.identified(ex, w),
        (err) => this.cannotAuthorize(ex, err),
      );
    else this.identified(ex, who);
  }

  /** What to answer a caller before looking at the server, if anything. */
  private refusal(ex: Exchange<I>, who: Identified<I>): Answer | undefined {
    if (who === 'invalid_token') return errorAnswer('invalid_token', this.audience(ex, null, false));
    if (who === null)
      return ex.html ? loginRedirect(ex.url) : errorAnswer('unauthorized', this.audience(ex, null));
    // A browser sends its cookies with a WebSocket opened by any site; only our own pages may.
    if (ex.socket && who.principal.via === 'cookie' && !sameOrigin(ex.head.origin, ex.head.host))
      return errorAnswer(
        'csrf_failed',
        this.audience(ex, who),
        'Cross-site WebSocket connections are refused.',
      );
    if (ex.path.bareUser) return redirectAnswer(withTrailingSlash(ex.url, ex.path.pathEnd));
    return undefined;
  }

  private identified(ex: Exchange<I>, who: Identified<I>): void {
    if (this.gone(ex)) return;
    const refusal = this.refusal(ex, who);
    if (refusal || who === null || who === 'invalid_token') {
      if (refusal) this.answer(ex, refusal);
      return;
    }
    ex.who = who;
    const { user, segment } = ex.path;
    const route = this.options.routes.resolve(user, segment);
    if (route) {
      ex.route = route;
      const ok = this.options.authorizer.mayReach(who, route);
      if (ok instanceof Promise)
        ok.then(
          (may) => this.reached(ex, may),
          (err) => this.cannotAuthorize(ex, err),
        );
      else this.reached(ex, ok);
      return;
    }
    const fail = (err: unknown) => this.cannotAuthorize(ex, err);
    this.options.routes.findUnrouted(user, segment).then((server) => {
      if (!server) {
        this.answer(ex, this.notFound(ex, who));
        return;
      }
      // The cold path: a server without a route (its answer may wait for a query).
      Promise.resolve(this.options.authorizer.mayReach(who, server)).then((ok) => {
        if (!ok) this.answer(ex, this.notFound(ex, who));
        else if (this.needsSlash(ex, server.name)) this.slash(ex);
        else this.answer(ex, notRunningAnswer(server, this.audience(ex, who), ex.url));
      }, fail);
    }, fail);
  }

  private reached(ex: Exchange<I>, ok: boolean): void {
    if (this.gone(ex)) return;
    const route = ex.route;
    if (!ok) {
      this.answer(ex, this.notFound(ex, ex.who));
      return;
    }
    if (this.needsSlash(ex, route.name)) {
      this.slash(ex);
      return;
    }
    let upstream: Upstream;
    try {
      upstream = this.upstreamOf(route);
    } catch (err) {
      this.upstreamFailed(ex, err as Error);
      return;
    }
    ex.upstream = upstream;
    route.lastActivity = Date.now();
    const socket = ex.req.socket;
    ex.headers = finishUpstreamHeaders(
      ex.head,
      {
        clientAddress: socket.remoteAddress ?? '',
        proto: (socket as TLSSocket).encrypted ? 'https' : 'http',
        host: ex.head.host ?? `${upstream.target.host}:${upstream.target.port}`,
        port: String(socket.localPort ?? ''),
      },
      upstream.target.secret,
      ex.socket !== undefined,
    );
    // A request (it has a response) is an HttpForward: res is set, and so are upstream and headers.
    if (ex.res) forwardHttp(ex as HttpForward);
    else this.upgrade(ex);
  }

  private upgrade(ex: Exchange<I>): void {
    const limits = this.options.limits;
    forwardUpgrade({
      req: ex.req,
      socket: ex.socket as Socket,
      head: ex.upgradeHead ?? Buffer.alloc(0),
      upstream: ex.upstream,
      headers: ex.headers,
      answerTimeoutMs: limits.idleTimeoutMs,
      idleTimeoutMs: limits.websocketIdleTimeoutMs,
      // Listeners of the sockets' data events: functions of their own, not methods.
      onActivity: () => ex.onActivity(),
      onFail: (err) => ex.onFail(err),
      onAnswered: (status) => ex.onAnswered(status),
      track: (close) => {
        this.spliced.set(close, { route: ex.route, who: ex.who });
        this.observer.websocketOpened();
        return (received, sent) => {
          this.spliced.delete(close);
          this.observer.websocketClosed(received, sent);
        };
      },
    });
  }

  private upstreamOf(route: Route): Upstream {
    let upstream = this.upstreams.get(route);
    if (!upstream) {
      upstream = new Upstream(parseTarget(route.target), this.options.limits);
      this.upstreams.set(route, upstream);
    }
    return upstream;
  }

  private upstreamFailed(ex: Exchange<I>, err: Error): void {
    const route = ex.route;
    const now = Date.now();
    const last = this.failureLogged.get(route);
    if (!last || now - last.at >= FAILURE_LOG_INTERVAL_MS) {
      const level =
        err instanceof UpstreamConnectError && err.code === 'certificate_mismatch' ? 'error' : 'warn';
      this.options.log[level](
        { user: route.owner, server: route.name, err: err.message, suppressed: last?.suppressed ?? 0 },
        'the proxy could not reach a server',
      );
      this.failureLogged.set(route, { at: now, suppressed: 0 });
    } else {
      last.suppressed++;
    }
    if (this.gone(ex)) return;
    this.answer(
      ex,
      errorAnswer(
        'unavailable',
        this.audience(ex, ex.who),
        `${this.options.pages.label(route)} is not answering.`,
      ),
    );
  }

  private cannotAuthorize(ex: Exchange<I>, err: unknown): void {
    this.options.log.error({ err }, 'the proxy could not check who is calling');
    if (this.gone(ex)) return;
    this.answer(
      ex,
      errorAnswer(
        'unavailable',
        this.audience(ex, null),
        'The hub cannot check your login right now; try again in a moment.',
      ),
    );
  }

  private needsSlash(ex: Exchange<I>, serverName: string): boolean {
    return ex.path.bareSegment && serverName !== '' && serverName === ex.path.segment;
  }

  private slash(ex: Exchange<I>): void {
    this.answer(ex, redirectAnswer(withTrailingSlash(ex.url, ex.path.pathEnd)));
  }

  private notFound(ex: Exchange<I>, who: I): Answer {
    return errorAnswer('not_found', this.audience(ex, who));
  }

  private audience(ex: Exchange<I>, who: I | null, html = ex.html): Audience {
    return { html, principal: who?.principal ?? null, pages: this.options.pages };
  }

  /** Whether the browser went away (then the exchange ends here, without an answer). */
  private gone(ex: Exchange<I>): boolean {
    const gone = ex.socket ? ex.socket.destroyed : (ex.res as ServerResponse).destroyed;
    if (gone) ex.finish(0, 0);
    return gone;
  }

  /**
   * Sends the proxy's own answer unless the browser went away, and ends the exchange with it;
   * returns the bytes of its body, undefined when it was not sent.
   */
  private answer(client: Client, answer: Answer): number | undefined {
    let sent: number | undefined;
    if (client.socket) {
      if (!client.socket.destroyed) sent = sendAnswerOnSocket(client.socket, answer);
    } else if (client.res && !client.res.destroyed) {
      // The request body (if any) is not wanted; let it drain so the connection stays usable.
      client.req.resume();
      sent = sendAnswer(client.res, answer);
    }
    if (client instanceof Exchange) client.finish(sent === undefined ? 0 : answer.status, sent ?? 0);
    return sent;
  }
}
