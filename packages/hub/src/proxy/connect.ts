// Opens connections to a server. TLS connections are handed over only after the agent's
// certificate matched the pinned fingerprint, so the secret header is never written to an
// impostor; plain connections (loopback only, see target.ts) are handed over at once.
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

export type Opened = (err: Error | null, socket?: net.Socket) => void;

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

/**
 * One TLS context for every connection to an agent: nothing in it depends on the agent (no CA,
 * no client certificate), and making one per connection cost the hub about a millisecond for each
 * (found by bench:scale: a restarted hub's first request to each of 2,000 servers).
 */
let sharedContext: tls.SecureContext | undefined;

export function upstreamContext(): tls.SecureContext {
  sharedContext ??= tls.createSecureContext({ minVersion: 'TLSv1.2' });
  return sharedContext;
}

function pinnedConnection(target: ParsedTarget, limits: ProxyLimits, done: Opened): void {
  const socket = tls.connect({
    host: target.host,
    port: target.port,
    // SNI takes names only; agents are usually addressed by name, sometimes by address.
    ...(net.isIP(target.host) ? {} : { servername: target.host }),
    // The agent's certificate is self-signed: the pinned fingerprint, checked below before any
    // byte of HTTP is written, is what authenticates it, not a CA.
    rejectUnauthorized: false,
    secureContext: upstreamContext(),
  });
  socket.setNoDelay(true);
  const timer = connectTimer(socket, limits.connectTimeoutMs, target);
  const onError = (err: Error) => {
    clearTimeout(timer);
    done(err);
  };
  socket.once('error', onError);
  socket.once('secureConnect', () => {
    clearTimeout(timer);
    socket.off('error', onError);
    // The X509Certificate computes just the fingerprint; getPeerCertificate() decodes every field.
    const seen = socket.getPeerX509Certificate()?.fingerprint256.replace(/:/g, '').toLowerCase();
    if (seen !== target.fingerprint) {
      socket.destroy();
      done(
        new UpstreamConnectError(
          `the certificate of ${target.host}:${target.port} does not match the pinned fingerprint (got sha256 ${seen ?? 'none'})`,
          'certificate_mismatch',
        ),
      );
      return;
    }
    done(null, socket);
  });
}

/**
 * A connection to the target, ready for HTTP: at once for plain ones (connecting continues in
 * the background and errors arrive as socket events), after the pin check for TLS ones.
 */
export function openConnection(target: ParsedTarget, limits: ProxyLimits, done: Opened): void {
  if (target.tls) pinnedConnection(target, limits, done);
  else done(null, plainConnection(target, limits));
}
