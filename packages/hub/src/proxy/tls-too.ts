// TLS on the hub's plain-HTTP port, for agents: a connection whose first byte opens a TLS
// handshake (0x16) is handed to a TLS server with the hub's own certificate and then to the HTTP
// server as a secure socket; any other connection goes to the HTTP server as it is. So agents
// reach the hub encrypted and pinned at the one address and port the site already opened for it,
// and keep reaching it across restarts. What may be asked over TLS is the server factory's
// business (hub-proxy.ts: the agent API only).
import type http from 'node:http';
import type { Socket } from 'node:net';
import tls from 'node:tls';

// A client that connects and sends nothing is dropped after this long.
const FIRST_BYTE_TIMEOUT_MS = 30_000;
const TLS_HANDSHAKE = 0x16;

export interface TlsToo {
  cert: string;
  key: string;
}

/** Makes `server` (before it listens) answer TLS as well as plain HTTP on its port. */
export function acceptTlsToo(server: http.Server, options: TlsToo): void {
  const plain = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const handOn = (socket: Socket) => {
    for (const listener of plain) listener.call(server, socket);
  };
  const secure = tls.createServer({ cert: options.cert, key: options.key, ALPNProtocols: ['http/1.1'] });
  secure.on('secureConnection', handOn);
  secure.on('tlsClientError', (_err, socket) => socket.destroy());
  server.on('connection', (socket: Socket) => {
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) secure.emit('connection', socket);
      else handOn(socket);
      process.nextTick(() => socket.resume());
    });
  });
}
