// Forwards one HTTP request to a server and streams the answer back, both bodies piped with
// backpressure and never buffered whole (uploads, downloads, server-sent events, long polls).
// Whichever side goes away, the other is released: a client that leaves aborts the upstream
// request, and a server that dies mid-answer cuts the client's response short.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { responseHeaders } from './headers.js';
import type { Upstream } from './upstream.js';

export interface HttpForward {
  req: IncomingMessage;
  res: ServerResponse;
  upstream: Upstream;
  /** Filtered request headers, with the forwarding headers and secret already added. */
  headers: string[];
  hasBody: boolean;
  /** 0: none. */
  idleTimeoutMs: number;
  onActivity(): void;
  /** The server could not be reached, or failed before answering; the response is still unsent. */
  onFail(err: Error): void;
}

/** A request that may be sent again after a pooled connection turned out to be closed. */
function mayRetry(f: HttpForward, upReq: http.ClientRequest, err: NodeJS.ErrnoException): boolean {
  if (f.hasBody || !upReq.reusedSocket) return false;
  if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') return false;
  const m = f.req.method;
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS';
}

class IdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`the server sent nothing for ${ms} ms`);
    this.name = 'IdleTimeoutError';
  }
}

export function forwardHttp(f: HttpForward, retried = false): void {
  const { req, res, upstream } = f;
  const upReq = http.request({
    agent: upstream.agent,
    host: upstream.target.host,
    port: upstream.target.port,
    method: req.method,
    path: req.url,
    headers: f.headers,
    maxHeaderSize: f.upstream.maxHeaderSize,
  });
  let answered = false;

  const onClientClose = () => {
    // Finished normally, or the client went away (then the upstream request goes too).
    if (!res.writableFinished) upReq.destroy();
  };
  res.once('close', onClientClose);

  upReq.on('response', (upRes) => {
    answered = true;
    f.onActivity();
    const { headers, hasLength } = responseHeaders(upRes.rawHeaders);
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
    // A streamed answer (events, chunks) must reach the client now, not with its first chunk.
    if (!hasLength) res.flushHeaders();
    upRes.pipe(res);
    upRes.once('close', () => {
      if (!upRes.complete) res.destroy();
    });
  });

  upReq.on('error', (err: NodeJS.ErrnoException) => {
    if (answered || res.destroyed || res.writableEnded) {
      res.destroy();
      return;
    }
    if (!retried && mayRetry(f, upReq, err)) {
      res.off('close', onClientClose);
      forwardHttp(f, true);
      return;
    }
    res.off('close', onClientClose);
    if (res.headersSent) res.destroy();
    else f.onFail(err);
  });

  if (f.idleTimeoutMs > 0) {
    upReq.setTimeout(f.idleTimeoutMs, () => upReq.destroy(new IdleTimeoutError(f.idleTimeoutMs)));
  }
  if (f.hasBody) req.pipe(upReq);
  else upReq.end();
}
