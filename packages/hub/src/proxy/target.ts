// Checks a route target once, when it is added, and turns it into what the data path needs:
// TLS with a pinned certificate to an agent, or plain HTTP, which only loopback may use (the
// local spawner): nothing travels unencrypted between machines.
import { isIP } from 'node:net';
import type { RouteTarget } from './types.js';

export interface ParsedTarget {
  tls: boolean;
  /** Host name or address as net.connect wants it (IPv6 without brackets). */
  host: string;
  port: number;
  /** Lower-case hex SHA-256 of the DER certificate (tls only). */
  fingerprint: string | undefined;
  secret: string | undefined;
}

/** `AB:CD:…` (as openssl and Node print it) or plain hex, to lower-case hex; null when malformed. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Throws an Error saying what is wrong with the target. */
export function parseTarget(target: RouteTarget): ParsedTarget {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new Error(`route url ${JSON.stringify(target.url)} is not a URL`);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new Error(`route url ${target.url} must be only scheme, host and port`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const tls = url.protocol === 'https:';
  if (!tls && url.protocol !== 'http:') throw new Error(`route url ${target.url} must be http or https`);
  if (!url.port) throw new Error(`route url ${target.url} must name a port`);
  if (target.secret !== undefined && (target.secret === '' || /[\r\n]/.test(target.secret)))
    throw new Error('route secret must be a non-empty single line');
  let fingerprint: string | undefined;
  if (tls) {
    const fp = target.fingerprint === undefined ? null : normalizeFingerprint(target.fingerprint);
    if (fp === null)
      throw new Error(`route ${target.url} needs the SHA-256 fingerprint of the agent's certificate`);
    fingerprint = fp;
  } else if (!isLoopback(host)) {
    throw new Error(
      `route url ${target.url}: plain http is allowed to loopback only; use https with a pinned certificate`,
    );
  }
  return { tls, host, port: Number(url.port), fingerprint, secret: target.secret };
}
