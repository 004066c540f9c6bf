// Forwards one HTTP request to the app with the client both hops share (@hpchub/protocol's
// forwardHttp on a keep-alive UpstreamPool): bodies are streamed both ways as they arrive (a
// large upload or a notebook download is never held in memory), and when either side goes away
// the other is torn down. Node's http.request did the same here at about twice the JavaScript per
// request; the agent's hop is on every request a user makes (bench/proxy's full path).
import type http from 'node:http';
import net from 'node:net';
import { forwardHttp, type HttpForward, type PoolLimits, UpstreamPool } from '@hpchub/protocol';
import type { AppTarget } from './app-target.js';
import type { Logger } from './log.js';
import { downstreamHeaders } from './request-headers.js';

/**
 * Connections to the app. An idle one is closed after two seconds, before an app's own idle
 * timeout (Node's servers close after five) can close it under a request; a request that
 * meets a connection closing anyway is sent again if it can be (GET, HEAD, OPTIONS).
 */
const APP_POOL: PoolLimits = {
  // The hub's proxy times out idle exchanges; a long poll or a slow notebook is not the agent's to cut.
  idleTimeoutMs: 0,
  maxSockets: 256,
  maxFreeSockets: 64,
  keepAliveMs: 2000,
  // Larger than Node's 16 KiB: an app's answers may carry large cookies and policies.
  maxHeaderBytes: 64 * 1024,
};

/** The keep-alive pool toward the app. */
export function appPool(target: AppTarget): UpstreamPool {
  const e = target.endpoint;
  const options: net.NetConnectOpts =
    'socketPath' in e ? { path: e.socketPath } : { host: e.host, port: e.port, noDelay: true };
  // Handed over at once: a refused connection arrives as the socket's error, answered with a 502.
  return new UpstreamPool((done) => done(null, net.connect(options)), APP_POOL);
}

/** How a request's body is framed, read from the raw headers (req.headers would build an object). */
export function bodyFraming(raw: readonly string[]): { hasBody: boolean; chunked: boolean } {
  let hasBody = false;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 14 && name.length !== 17) continue;
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding') hasBody = chunked = true;
    else if (lower === 'content-length' && raw[i + 1] !== '0') hasBody = true;
  }
  return { hasBody, chunked };
}

/** One request on its way to the app: what forwardHttp is given, its callbacks as methods. */
class AppExchange implements HttpForward {
  readonly hasBody: boolean;
  readonly chunked: boolean;
  // Counted by forwardHttp for the hub's metrics; the agent keeps none.
  received = 0;
  sent = 0;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    readonly pool: UpstreamPool,
    readonly requestTarget: string,
    readonly headers: string[],
    private readonly log: Logger,
    private readonly activity: () => void,
  ) {
    const framing = bodyFraming(req.rawHeaders);
    this.hasBody = framing.hasBody;
    this.chunked = framing.chunked;
  }

  answerHeaders(raw: string[]): string[] {
    return downstreamHeaders(raw);
  }

  onActivity(): void {
    this.activity();
  }

  onDone(): void {}

  onFail(err: Error): void {
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    this.log.warn('app_unreachable', { method: this.req.method, error: code });
    if (this.res.headersSent || this.res.destroyed) {
      this.res.destroy();
      return;
    }
    // The body (if any) is not wanted; let it drain so the hub's connection stays usable.
    this.req.resume();
    const body = `The app did not answer (${code}). It may still be starting, or it stopped.\n`;
    this.res.writeHead(502, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    this.res.end(body);
  }
}

/**
 * Forwards `req` to the app over `pool`: `path` (path and query as the app sees them) with
 * `headers` (upstreamHeaders); `activity` is called when the app answers.
 */
export function forwardToApp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pool: UpstreamPool,
  path: string,
  headers: string[],
  log: Logger,
  activity: () => void,
): void {
  forwardHttp(new AppExchange(req, res, pool, path, headers, log, activity));
}
