// The hub's client connections, for shutdown. Node's closeIdleConnections(), which Fastify calls
// on close, leaves alone a connection on which no request was ever sent (browsers and fetch open
// such spare connections), and server.close() then waits for its keep-alive timeout — over a
// minute. Those are closed here; connections with a request in flight are left to finish.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export class ConnectionTracker {
  private readonly open = new Set<Socket>();
  private readonly used = new WeakSet<Socket>();

  /** `secure`: count TLS connections once their handshake is done (their requests' sockets). */
  attach(server: Server, secure: boolean): void {
    server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
    });
  }

  /** Called for every request: the connection has carried one. */
  markUsed(socket: Socket): void {
    this.used.add(socket);
  }

  closeUnused(): void {
    for (const socket of this.open) if (!this.used.has(socket)) socket.destroy();
  }
}
