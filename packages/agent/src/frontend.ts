// The agent's TLS listener, the only way in from outside the job. Every request and upgrade
// must carry the hub's secret (constant-time check; anything else gets 403 and a log line
// without the secret). Then: the agent's own pages under `{prefix}_hpchub/` (status, and the
// directory picker before the app starts), and everything else forwarded to the app once it runs.
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { AGENT_SECRET_HEADER, type UpstreamPool } from '@hpchub/protocol';
import type { AppAuth } from './app-auth.js';
import type { AppTarget } from './app-target.js';
import { appPool, forwardToApp } from './forward-http.js';
import { forwardUpgrade, refuseUpgrade } from './forward-upgrade.js';
import type { Logger } from './log.js';
import { handlePicker, type PickerHandlers, sendJson } from './picker/routes.js';
import { presentedSecret, upstreamHeaders } from './request-headers.js';
import { secretDigest, secretMatches } from './secrets.js';
import { withTimeout } from './timing.js';

/** picking: the picker waits for a directory; starting: the app is launched; running: forwarded. */
export type Phase = 'picking' | 'starting' | 'running' | 'failed';

export interface FrontendOptions {
  secret: string;
  prefix: string;
  certPem: string;
  keyPem: string;
  log: Logger;
}

/** The agent's own paths, under the prefix; `_hpchub` is not a name an app uses. */
const OWN = '_hpchub/';

export class Frontend {
  private readonly server: https.Server;
  private readonly spliced = new Set<() => void>();
  private phase: Phase = 'starting';
  private message = 'Starting';
  /** The running app, and the keep-alive connections to it shared by all forwarded requests. */
  private app: { target: AppTarget; auth: AppAuth; pool: UpstreamPool } | undefined;
  private readonly onActivity = () => {
    this.lastActivity = Date.now();
  };
  picker: PickerHandlers | undefined;
  /** Last time a request or WebSocket message passed, for heartbeats. */
  lastActivity: number | null = null;
  private readonly secretDigest: Buffer;

  constructor(private readonly o: FrontendOptions) {
    this.secretDigest = secretDigest(o.secret);
    this.server = https.createServer({
      cert: o.certPem,
      key: o.keyPem,
      minVersion: 'TLSv1.2',
      // Long uploads and slow downloads are the app's business; only the head must come quickly.
      requestTimeout: 0,
      headersTimeout: 60_000,
      // Longer than the hub proxy keeps idle connections, so the hub closes them first and never
      // reuses one the agent is closing.
      keepAliveTimeout: 120_000,
    });
    this.server.on('request', (req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server.on('tlsClientError', (err: NodeJS.ErrnoException) =>
      o.log.warn('tls_client_error', { error: err.code ?? err.message }),
    );
  }

  setPhase(phase: Phase, message: string): void {
    this.phase = phase;
    this.message = message;
  }

  setRunning(target: AppTarget, auth: AppAuth, message: string): void {
    this.app?.pool.destroy();
    this.app = { target, auth, pool: appPool(target) };
    this.setPhase('running', message);
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Stops listening and closes every connection, spliced WebSockets included. Idempotent. Waits
   * at most two seconds: a client that never finished its TLS handshake must not keep the agent
   * (and the job) alive.
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const close of [...this.spliced]) close();
    this.app?.pool.destroy();
    await withTimeout(closed, 2000);
  }

  private authorized(req: http.IncomingMessage): boolean {
    // From the raw headers: req.headers would build an object for every request.
    if (secretMatches(presentedSecret(req.rawHeaders), this.secretDigest)) return true;
    this.o.log.warn('request_refused', {
      method: req.method,
      // The path only: a query string may hold a token.
      path: (req.url ?? '').split('?', 1)[0],
      remote: req.socket.remoteAddress,
      reason: req.headers[AGENT_SECRET_HEADER] === undefined ? 'no secret' : 'wrong secret',
    });
    return false;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.authorized(req)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('Forbidden\n');
      return;
    }
    this.lastActivity = Date.now();
    const url = req.url ?? '/';
    const own = `${this.o.prefix}${OWN}`;
    if (url.startsWith(own)) {
      this.ownRoute(req, res, url.slice(own.length)).catch((err: unknown) => {
        this.o.log.error('internal_error', { path: url.split('?', 1)[0], error: err });
        if (!res.headersSent) sendJson(res, 500, { message: 'The agent failed to answer.' });
        else res.destroy();
      });
      return;
    }
    if (this.phase === 'running' && this.app) {
      const { target, auth, pool } = this.app;
      const path = target.appPath(url);
      if (path === null) {
        sendJson(res, 404, { message: 'Not under this server’s prefix.' });
        return;
      }
      const headers = upstreamHeaders(req.rawHeaders, { auth, forwardedPrefix: target.forwardedPrefix() });
      forwardToApp(req, res, pool, path, headers, this.o.log, this.onActivity);
      return;
    }
    // Not running yet: send a browser to the picker (which shows the progress), others a 503.
    const wantsPage =
      (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
    if (this.picker && wantsPage && url.startsWith(this.o.prefix)) {
      res.writeHead(302, { location: `${own}picker/`, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    res.setHeader('retry-after', '2');
    sendJson(res, 503, { phase: this.phase, message: this.message });
  }

  private async ownRoute(req: http.IncomingMessage, res: http.ServerResponse, rest: string): Promise<void> {
    const q = rest.indexOf('?');
    const path = q < 0 ? rest : rest.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
    if (path === 'status')
      return sendJson(res, 200, { phase: this.phase, message: this.message, url: this.o.prefix });
    if (this.picker && (path === 'picker' || path.startsWith('picker/'))) {
      if (path === 'picker') {
        res.writeHead(301, { location: `${this.o.prefix}${OWN}picker/`, 'content-length': 0 });
        res.end();
        return;
      }
      return handlePicker(this.picker, req, res, path.slice('picker/'.length), query);
    }
    sendJson(res, 404, { message: 'Nothing here.' });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!this.authorized(req)) {
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }
    this.lastActivity = Date.now();
    if (this.phase !== 'running' || !this.app) {
      refuseUpgrade(socket, 503, this.message);
      return;
    }
    const { target, auth } = this.app;
    const path = target.appPath(req.url ?? '/');
    if (path === null) {
      refuseUpgrade(socket, 404, 'Not under this server’s prefix.');
      return;
    }
    const headers = upstreamHeaders(req.rawHeaders, {
      auth,
      forwardedPrefix: target.forwardedPrefix(),
      upgrade: req.headers.upgrade ?? 'websocket',
    });
    forwardUpgrade({
      req,
      socket,
      head,
      target,
      path,
      headers,
      log: this.o.log,
      onActivity: () => {
        this.lastActivity = Date.now();
      },
      track: (close) => {
        this.spliced.add(close);
        return () => this.spliced.delete(close);
      },
    });
  }
}
