// Forwards one HTTP request to the app and streams the answer back: bodies are piped both ways
// as they arrive (a large upload or a notebook download is never held in memory), and when
// either side goes away the other is torn down.
import http from 'node:http';
import type { AppTarget } from './app-target.js';
import type { Logger } from './log.js';
import { downstreamHeaders } from './request-headers.js';

export interface HttpForward {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  target: AppTarget;
  /** Path and query as the app sees them. */
  path: string;
  headers: string[];
  pool: http.Agent;
  log: Logger;
}

/**
 * Whether a request has a body (RFC 9112 §6.3: a Content-Length other than 0, or a
 * Transfer-Encoding). Read from the raw headers: touching req.headers would build that object.
 */
function hasBody(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 14 && name.length !== 17) continue;
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding' || (lower === 'content-length' && raw[i + 1] !== '0')) return true;
  }
  return false;
}

/**
 * Streams the app's answer to the client with backpressure. The same as upRes.pipe(res) for
 * these two streams, without the listeners pipe() adds and removes on both sides per request.
 */
function streamAnswer(upRes: http.IncomingMessage, res: http.ServerResponse): void {
  upRes.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) {
      upRes.pause();
      res.once('drain', () => upRes.resume());
    }
  });
  upRes.once('end', () => res.end());
}

export function forwardHttp(f: HttpForward): void {
  const { req, res } = f;
  const upReq = http.request({
    ...f.target.connectOptions(),
    agent: f.pool,
    method: req.method,
    path: f.path,
    headers: f.headers,
  });

  upReq.once('response', (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, downstreamHeaders(upRes.rawHeaders));
    streamAnswer(upRes, res);
    upRes.once('error', () => res.destroy());
  });
  upReq.once('error', (err: NodeJS.ErrnoException) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    f.log.warn('app_unreachable', { method: req.method, error: err.code ?? err.message });
    const body = `The app did not answer (${err.code ?? err.message}). It may still be starting, or it stopped.\n`;
    res.writeHead(502, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  // The client went away before the answer was complete: stop asking the app.
  res.once('close', () => {
    if (!res.writableFinished) upReq.destroy();
  });
  // Most requests (GET) have no body: end the app's request at once rather than pipe an empty one.
  if (hasBody(req.rawHeaders)) req.pipe(upReq);
  else upReq.end();
}
