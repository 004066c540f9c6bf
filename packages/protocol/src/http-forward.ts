// Forwards one HTTP request to a server and streams the answer back, both bodies passed on as
// they come with backpressure and never buffered whole (uploads, downloads, server-sent events,
// long polls). Whichever side goes away, the other is released: a browser that leaves closes the
// server connection of its exchange, and a server that dies mid-answer cuts the response short.
// Both hops of a request use it: the hub's proxy toward the agent, the agent toward its app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ExchangeHandlers, UpstreamConnection, UpstreamPool } from './upstream-pool.js';

/** One request to forward: the hub's proxy and the agent each fill it in their own way. */
export interface HttpForward {
  req: IncomingMessage;
  res: ServerResponse;
  pool: UpstreamPool;
  /** The request target (path and query) to ask the server for. */
  requestTarget: string;
  /** Filtered request headers, with whatever the hop adds (forwarding headers, secret, app auth). */
  headers: string[];
  hasBody: boolean;
  /** The body must be sent chunked (the browser sent it so, without a length). */
  chunked: boolean;
  /** The response headers to pass on, of the server's raw ones. */
  answerHeaders(raw: string[]): string[];
  /** Bytes of a chunked request body forwarded so far (a body with a length is counted by it). */
  received: number;
  /** Bytes of the answer's body sent so far. */
  sent: number;
  onActivity(): void;
  /** The server could not be reached, or failed before answering; the response is still unsent. */
  onFail(err: Error): void;
  /** The server's answer was sent whole, or cut short when either side went away. */
  onDone(): void;
}

function requestHead(method: string, url: string, headers: string[]): string {
  let head = `${method} ${url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/** Sends the browser's request body to the server, chunked again if it came chunked. */
function sendBody(f: HttpForward, socket: Socket, done: () => void): void {
  const req = f.req;
  if (!f.chunked) {
    req.pipe(socket, { end: false });
    req.once('end', done);
    return;
  }
  req.on('data', (chunk: Buffer) => {
    f.received += chunk.length;
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    if (!socket.write('\r\n', 'latin1')) {
      req.pause();
      socket.once('drain', () => req.resume());
    }
  });
  req.once('end', () => {
    socket.write('0\r\n\r\n', 'latin1');
    done();
  });
}

/** A request that may be sent again after a pooled connection turned out to be closed. */
function mayRetry(f: HttpForward): boolean {
  const m = f.req.method;
  return !f.hasBody && (m === 'GET' || m === 'HEAD' || m === 'OPTIONS');
}

/**
 * One exchange on one upstream connection: the answer's handlers as methods of one object, so a
 * request allocates this and a bound close listener rather than a closure per handler.
 */
class HttpExchange implements ExchangeHandlers {
  /** The browser went away (or the exchange ended): registered on the response, removed when done. */
  private readonly onClientClose: () => void;

  constructor(
    private readonly f: HttpForward,
    private readonly connection: UpstreamConnection,
    private readonly retried: boolean,
  ) {
    this.onClientClose = this.clientClosed.bind(this);
  }

  send(): void {
    const { f, connection } = this;
    const { req, res } = f;
    const method = req.method ?? 'GET';
    res.on('close', this.onClientClose);
    connection.start(requestHead(method, f.requestTarget, f.headers), method === 'HEAD', f.hasBody, this);
    if (f.hasBody) sendBody(f, connection.socket, () => connection.bodyDone());
  }

  onHead(status: number, statusMessage: string, rawHeaders: string[], hasLength: boolean): void {
    const { f } = this;
    const res = f.res;
    f.onActivity();
    const headers = f.answerHeaders(rawHeaders);
    try {
      res.writeHead(status, statusMessage, headers);
    } catch (err) {
      // A header Node refuses to pass on (invalid characters): as if the server had failed.
      res.off('close', this.onClientClose);
      this.connection.abort();
      f.onFail(err as Error);
      return;
    }
    // A streamed answer (events, chunks) must reach the browser now, not with its first chunk.
    if (!hasLength) res.flushHeaders();
  }

  onBody(chunk: Buffer, last: boolean): boolean {
    const { f } = this;
    const res = f.res;
    f.sent += chunk.length;
    if (last) {
      // The usual small answer: head and body leave in one write.
      res.off('close', this.onClientClose);
      res.end(chunk);
      f.onDone();
      return true;
    }
    const more = res.write(chunk);
    if (!more) res.once('drain', () => this.connection.resume());
    return more;
  }

  onEnd(): void {
    const res = this.f.res;
    res.off('close', this.onClientClose);
    if (!res.writableEnded) res.end();
    this.f.onDone();
  }

  onError(err: Error, answered: boolean, retryable: boolean): void {
    const { f } = this;
    const res = f.res;
    res.off('close', this.onClientClose);
    if (answered || res.headersSent || res.destroyed) {
      res.destroy();
      f.onDone();
    } else if (retryable && !this.retried && mayRetry(f)) forwardHttp(f, true);
    else f.onFail(err);
  }

  private clientClosed(): void {
    // Finished normally, or the browser went away (then so does this exchange's connection).
    if (!this.f.res.writableFinished) this.connection.abort();
    this.f.onDone();
  }
}

function startExchange(f: HttpForward, connection: UpstreamConnection, retried: boolean): void {
  if (f.res.destroyed) {
    connection.abort();
    f.onDone();
  } else new HttpExchange(f, connection, retried).send();
}

export function forwardHttp(f: HttpForward, retried = false): void {
  const pool = f.pool;
  // A retry goes on a new connection: the other idle ones were kept as long as the one that
  // turned out closed, and the server that closed it (an app that stopped listening) may have
  // closed them all.
  const idle = retried ? undefined : pool.take();
  if (idle) {
    startExchange(f, idle, retried);
    return;
  }
  pool.acquire((err, connection) => {
    if (err || !connection) {
      if (!f.res.destroyed) f.onFail(err ?? new Error('no connection'));
      else f.onDone();
      return;
    }
    startExchange(f, connection, retried);
  }, retried);
}
