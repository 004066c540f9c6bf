// Forwards a WebSocket upgrade (or any HTTP Upgrade) to a server, then splices the two sockets:
// bytes are piped both ways at the socket level, frames are never parsed. When either side
// closes or fails, both sockets are destroyed, so nothing is left half-open.
import http, { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { responseHeaders } from './headers.js';
import type { Upstream } from './upstream.js';

export interface UpgradeForward {
  req: IncomingMessage;
  socket: Socket;
  head: Buffer;
  upstream: Upstream;
  headers: string[];
  /** How long to wait for the server's answer to the upgrade; 0: none. */
  answerTimeoutMs: number;
  /** Closes a spliced pair on which nothing moved for this long; 0: never. */
  idleTimeoutMs: number;
  onActivity(): void;
  onFail(err: Error): void;
  /** The server answered the upgrade with `status` (101: spliced), or the browser left first (0). */
  onAnswered(status: number): void;
  /**
   * Called with a function that closes the pair, once it is spliced; returns the untrack
   * function, called once, with the bytes the pair carried from the browser and to it.
   */
  track(close: () => void): (received: number, sent: number) => void;
}

function headBlock(status: number, message: string | undefined, headers: string[], extra: string[]): string {
  const lines = [`HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ''}`];
  for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  lines.push(...extra, '', '');
  return lines.join('\r\n');
}

/**
 * Splices the pair. `readBefore` and `writtenBefore` are the browser socket's byte counts where
 * the WebSocket's own bytes begin (after the heads of the upgrade and of its answer).
 */
function splice(f: UpgradeForward, server: Socket, readBefore: number, writtenBefore: number): void {
  const client = f.socket;
  let untrack: ((received: number, sent: number) => void) | undefined;
  const close = () => {
    client.destroy();
    server.destroy();
    // The first of the events that close the pair (error, close, timeout) counts it.
    untrack?.(client.bytesRead - readBefore, client.bytesWritten - writtenBefore);
    untrack = undefined;
  };
  client.on('error', close);
  server.on('error', close);
  client.once('close', close);
  server.once('close', close);
  client.setNoDelay(true);
  server.setNoDelay(true);
  server.setTimeout(0);
  client.setTimeout(f.idleTimeoutMs);
  // A socket's timeout counts reads and writes, so the client side sees traffic both ways.
  if (f.idleTimeoutMs > 0) client.once('timeout', close);
  client.on('data', f.onActivity);
  server.on('data', f.onActivity);
  client.pipe(server);
  server.pipe(client);
  untrack = f.track(close);
}

export function forwardUpgrade(f: UpgradeForward): void {
  const { req, socket } = f;
  const upReq = http.request({
    agent: f.upstream.agent,
    host: f.upstream.target.host,
    port: f.upstream.target.port,
    method: req.method,
    path: req.url,
    headers: f.headers,
    maxHeaderSize: f.upstream.maxHeaderSize,
  });
  const abort = () => upReq.destroy();
  socket.once('close', abort);

  upReq.on('upgrade', (upRes, server: Socket, upHead: Buffer) => {
    socket.off('close', abort);
    if (socket.destroyed) {
      server.destroy();
      return;
    }
    f.onActivity();
    socket.write(headBlock(101, upRes.statusMessage, responseHeaders(upRes.rawHeaders, true), []));
    f.onAnswered(101);
    // The bytes that came after the upgrade's head (f.head) are the WebSocket's already.
    const readBefore = socket.bytesRead - f.head.length;
    const writtenBefore = socket.bytesWritten;
    if (upHead.length > 0) socket.write(upHead);
    if (f.head.length > 0) server.write(f.head);
    splice(f, server, readBefore, writtenBefore);
  });

  // The server declined the upgrade: pass its answer on, then close (it ends the exchange).
  upReq.on('response', (upRes) => {
    socket.off('close', abort);
    const headers = responseHeaders(upRes.rawHeaders);
    const status = upRes.statusCode ?? 502;
    socket.write(headBlock(status, upRes.statusMessage, headers, ['connection: close']));
    f.onAnswered(status);
    upRes.pipe(socket);
    upRes.once('close', () => socket.destroy());
  });

  upReq.on('error', (err) => {
    socket.off('close', abort);
    if (!socket.destroyed) f.onFail(err);
    else f.onAnswered(0);
  });
  if (f.answerTimeoutMs > 0)
    upReq.setTimeout(f.answerTimeoutMs, () => upReq.destroy(new Error('no answer to the upgrade')));
  upReq.end();
}
