// Forwards a WebSocket upgrade (or any HTTP Upgrade) to the app, then splices the two sockets:
// bytes are piped both ways at the socket level, frames are never parsed. When either side
// closes or fails both are destroyed, so nothing is left half-open.
import http, { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppTarget } from './app-target.js';
import type { Logger } from './log.js';
import { downstreamHeaders } from './request-headers.js';

export interface UpgradeForward {
  req: http.IncomingMessage;
  socket: Duplex;
  head: Buffer;
  target: AppTarget;
  path: string;
  headers: string[];
  log: Logger;
  onActivity(): void;
  /** Registers the close function of a spliced pair; returns the function that unregisters it. */
  track(close: () => void): () => void;
}

export function headBlock(status: number, message: string | undefined, headers: readonly string[]): string {
  const lines = [`HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ''}`];
  for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  lines.push('', '');
  return lines.join('\r\n');
}

/** Answers an upgrade request with a plain response and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    headBlock(status, undefined, [
      'Content-Type',
      'text/plain; charset=utf-8',
      'Content-Length',
      String(Buffer.byteLength(body)),
      'Connection',
      'close',
    ]) + body,
  );
}

function splice(f: UpgradeForward, app: Duplex): void {
  const client = f.socket;
  let untrack = () => {};
  const close = () => {
    client.destroy();
    app.destroy();
    untrack();
  };
  client.on('error', close);
  app.on('error', close);
  client.once('close', close);
  app.once('close', close);
  client.on('data', f.onActivity);
  app.on('data', f.onActivity);
  client.pipe(app);
  app.pipe(client);
  untrack = f.track(close);
}

export function forwardUpgrade(f: UpgradeForward): void {
  const { socket } = f;
  const upReq = http.request({
    ...f.target.connectOptions(),
    agent: false,
    method: f.req.method,
    path: f.path,
    headers: f.headers,
  });
  const abort = () => upReq.destroy();
  socket.once('close', abort);
  socket.on('error', abort);

  upReq.once('upgrade', (upRes, app: Duplex, upHead: Buffer) => {
    socket.off('close', abort);
    socket.off('error', abort);
    if (socket.destroyed) {
      app.destroy();
      return;
    }
    socket.write(headBlock(101, upRes.statusMessage, downstreamHeaders(upRes.rawHeaders, true)));
    if (upHead.length > 0) socket.write(upHead);
    if (f.head.length > 0) app.write(f.head);
    splice(f, app);
  });

  // The app refused the upgrade (403, 404, …): pass its answer on, then close.
  upReq.once('response', (upRes) => {
    socket.off('close', abort);
    const headers = downstreamHeaders(upRes.rawHeaders).filter((_v, i, all) => {
      const name = (i % 2 === 0 ? all[i] : all[i - 1])?.toLowerCase();
      return name !== 'content-length';
    });
    socket.write(
      headBlock(upRes.statusCode ?? 502, upRes.statusMessage, [...headers, 'Connection', 'close']),
    );
    upRes.pipe(socket);
  });

  upReq.once('error', (err: NodeJS.ErrnoException) => {
    if (socket.destroyed) return;
    f.log.warn('app_unreachable', { upgrade: true, error: err.code ?? err.message });
    refuseUpgrade(socket, 502, `The app did not answer (${err.code ?? err.message}).`);
  });
  upReq.end();
}
