// Connections to one server: a keep-alive pool of its own per route, so a pooled connection is
// never reused for another server (nor for the same address after the server was replaced, with
// a new certificate and secret). TLS connections are handed to HTTP only after the agent's
// certificate matched the pinned fingerprint, so the secret header is never sent to an impostor.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { ParsedTarget } from './target.js';
import type { ProxyLimits } from './types.js';

/** Why a connection to a server failed before HTTP could use it. */
export class UpstreamConnectError extends Error {
  constructor(
    message: string,
    readonly code: 'connect_timeout' | 'certificate_mismatch',
  ) {
    super(message);
    this.name = 'UpstreamConnectError';
  }
}

export interface Upstream {
  readonly target: ParsedTarget;
  readonly agent: http.Agent;
  /** Largest response head accepted from the server. */
  readonly maxHeaderSize: number;
}

type Done = (err: Error | null, socket: net.Socket) => void;

function connectTimer(socket: net.Socket, ms: number, target: ParsedTarget): NodeJS.Timeout {
  return setTimeout(
    () =>
      socket.destroy(
        new UpstreamConnectError(
          `no connection to ${target.host}:${target.port} within ${ms} ms`,
          'connect_timeout',
        ),
      ),
    ms,
  );
}

function plainConnection(target: ParsedTarget, limits: ProxyLimits): net.Socket {
  const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
  const timer = connectTimer(socket, limits.connectTimeoutMs, target);
  socket.once('connect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
  return socket;
}

function pinnedConnection(target: ParsedTarget, limits: ProxyLimits, done: Done): void {
  const socket = tls.connect({
    host: target.host,
    port: target.port,
    // SNI takes names only; agents are usually addressed by name, sometimes by address.
    ...(net.isIP(target.host) ? {} : { servername: target.host }),
    // The agent's certificate is self-signed: the pinned fingerprint, checked below before any
    // byte of HTTP is written, is what authenticates it, not a CA.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  });
  socket.setNoDelay(true);
  const timer = connectTimer(socket, limits.connectTimeoutMs, target);
  const onError = (err: Error) => {
    clearTimeout(timer);
    done(err, socket);
  };
  socket.once('error', onError);
  socket.once('secureConnect', () => {
    clearTimeout(timer);
    socket.off('error', onError);
    const seen = socket.getPeerCertificate().fingerprint256?.replace(/:/g, '').toLowerCase();
    if (seen !== target.fingerprint) {
      socket.destroy();
      done(
        new UpstreamConnectError(
          `the certificate of ${target.host}:${target.port} does not match the pinned fingerprint (got sha256 ${seen ?? 'none'})`,
          'certificate_mismatch',
        ),
        socket,
      );
      return;
    }
    done(null, socket);
  });
}

export function createUpstream(target: ParsedTarget, limits: ProxyLimits): Upstream {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: limits.maxSockets,
    maxFreeSockets: limits.maxFreeSockets,
    // Free sockets time out after this; a request sets its own idle timeout while it runs.
    timeout: limits.keepAliveMs,
    // The most recently used socket is the least likely to have been closed by the server.
    scheduling: 'lifo',
  });
  // http.Agent calls createConnection(options, callback) and waits for the callback when it
  // returns nothing: that is how the TLS check completes before the request is written.
  agent.createConnection = target.tls
    ? (_options, done) => {
        if (done) pinnedConnection(target, limits, done as Done);
        return undefined;
      }
    : () => plainConnection(target, limits);
  return { target, agent, maxHeaderSize: limits.maxHeaderBytes };
}
