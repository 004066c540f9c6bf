// Forwards one HTTP request to a server and streams the answer back, both bodies passed on as
// they come with backpressure and never buffered whole (uploads, downloads, server-sent events,
// long polls). Whichever side goes away, the other is released: a browser that leaves closes the
// server connection of its exchange, and a server that dies mid-answer cuts the response short.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { responseHeaders } from './headers.js';
import type { Upstream } from './upstream.js';
import type { UpstreamConnection } from './upstream-pool.js';

export interface HttpForward {
  req: IncomingMessage;
  res: ServerResponse;
  upstream: Upstream;
  /** Filtered request headers, with the forwarding headers and secret already added. */
  headers: string[];
  hasBody: boolean;
  /** The body must be sent chunked (the browser sent it so, without a length). */
  chunked: boolean;
  onActivity(): void;
  /** The server could not be reached, or failed before answering; the response is still unsent. */
  onFail(err: Error): void;
}

function requestHead(method: string, url: string, headers: string[]): string {
  let head = `${method} ${url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/** Sends the browser's request body to the server, chunked again if it came chunked. */
function sendBody(req: IncomingMessage, socket: Socket, chunked: boolean, done: () => void): void {
  if (!chunked) {
    req.pipe(socket, { end: false });
    req.once('end', done);
    return;
  }
  req.on('data', (chunk: Buffer) => {
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

function exchange(f: HttpForward, connection: UpstreamConnection, retried: boolean): void {
  const { req, res } = f;
  const method = req.method ?? 'GET';
  const onClientClose = () => {
    // Finished normally, or the browser went away (then so does this exchange's connection).
    if (!res.writableFinished) connection.abort();
  };
  res.once('close', onClientClose);
  const resume = () => connection.resume();
  connection.start(requestHead(method, req.url ?? '/', f.headers), method === 'HEAD', f.hasBody, {
    onHead(status, statusMessage, rawHeaders, hasLength) {
      f.onActivity();
      const { headers } = responseHeaders(rawHeaders);
      try {
        res.writeHead(status, statusMessage, headers);
      } catch (err) {
        // A header Node refuses to pass on (invalid characters): as if the server had failed.
        res.off('close', onClientClose);
        connection.abort();
        f.onFail(err as Error);
        return;
      }
      // A streamed answer (events, chunks) must reach the browser now, not with its first chunk.
      if (!hasLength) res.flushHeaders();
    },
    onBody(chunk, last) {
      if (last) {
        // The usual small answer: head and body leave in one write.
        res.off('close', onClientClose);
        res.end(chunk);
        return true;
      }
      const more = res.write(chunk);
      if (!more) res.once('drain', resume);
      return more;
    },
    onEnd() {
      res.off('close', onClientClose);
      if (!res.writableEnded) res.end();
    },
    onError(err, answered, retryable) {
      res.off('close', onClientClose);
      if (answered || res.headersSent || res.destroyed) res.destroy();
      else if (retryable && !retried && mayRetry(f)) forwardHttp(f, true);
      else f.onFail(err);
    },
  });
  if (f.hasBody) sendBody(req, connection.socket, f.chunked, () => connection.bodyDone());
}

export function forwardHttp(f: HttpForward, retried = false): void {
  f.upstream.pool.acquire((err, connection) => {
    if (err || !connection) {
      if (!f.res.destroyed) f.onFail(err ?? new Error('no connection'));
      return;
    }
    if (f.res.destroyed) {
      connection.abort();
      return;
    }
    exchange(f, connection, retried);
  });
}
