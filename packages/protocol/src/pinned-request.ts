// One HTTP request to the hub's agent API, as agents and the doctor make them: over https with a
// self-signed certificate, pinned by its SHA-256 fingerprint (the hub's own, which every job is
// given in AGENT_ENV.hubFingerprint); the request is written only after the certificate matched,
// so the secret it may carry never reaches another server. Without a fingerprint, an https URL
// is checked against the system's CAs as usual, and http is plain.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';

export interface PinnedRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Buffer;
  /** Lower-case hex SHA-256 of the certificate to accept (https only). */
  fingerprint?: string | undefined;
  timeoutMs: number;
}

export interface PinnedAnswer {
  status: number;
  /** The start of the body (at most 64 KiB). */
  text: string;
}

/** The error of a connection whose certificate is not the pinned one. */
export const PIN_MISMATCH = 'ERR_HUB_CERT_PIN_MISMATCH';

/** `AB:CD:…` as Node reports it, to lower-case hex. */
function hexFingerprint(cert: tls.PeerCertificate): string | undefined {
  return cert.fingerprint256?.replace(/:/g, '').toLowerCase();
}

/** A TLS connection to `url` that calls back only once its certificate matches `pin`. */
function pinnedConnection(url: URL, pin: string): https.RequestOptions['createConnection'] {
  return (_opts, callback) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      if (hexFingerprint(socket.getPeerCertificate()) === pin) callback?.(null, socket);
      else {
        socket.destroy();
        const err = Object.assign(new Error('the certificate does not match the pinned fingerprint'), {
          code: PIN_MISMATCH,
        });
        callback?.(err, socket);
      }
    });
    socket.once('error', (err) => callback?.(err, socket));
    // Returning nothing makes Node wait for the callback.
    return undefined;
  };
}

const MAX_TEXT = 64 * 1024;

/** Sends the request; rejects with the socket's error (its `code`) when no answer came. */
export function pinnedRequest(url: URL, r: PinnedRequest): Promise<PinnedAnswer> {
  const options: https.RequestOptions = { method: r.method, headers: r.headers ?? {}, timeout: r.timeoutMs };
  const pin = url.protocol === 'https:' ? r.fingerprint : undefined;
  // One connection per request (they are rare); with createConnection, Node uses no agent.
  if (pin === undefined) options.agent = false;
  else options.createConnection = pinnedConnection(url, pin);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, options);
    req.once('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${r.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_TEXT) chunks.push(c);
        size += c.length;
      });
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8').slice(0, MAX_TEXT),
        }),
      );
      res.once('error', reject);
    });
    req.end(r.body);
  });
}
