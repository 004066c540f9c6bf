// What crosses the proxy in headers. Toward the server: never the hub's credentials (its cookies,
// API tokens), never hop-by-hop headers (RFC 9110 §7.6.1, including those the Connection header
// names), never forwarding headers a client made up; then X-Forwarded-* as seen by the hub and
// the server's secret. Toward the browser: hop-by-hop headers dropped, and no Set-Cookie for a hub
// cookie, so a server cannot log its visitors in or out of the hub (login CSRF, fixation).
// Works on raw header arrays ([name, value, name, value, …]): no objects built per request.
import {
  AGENT_SECRET_HEADER,
  dropConnectionListed,
  HOP_BY_HOP_HEADERS,
  HUB_COOKIE_PREFIX,
  keptCookies,
  passedResponseHeaders,
} from '@hpchub/protocol';

export { HUB_COOKIE_PREFIX };
export const SECRET_HEADER = AGENT_SECRET_HEADER;

/** What the proxy needs to know about a request, read in the same pass that filters its headers. */
export interface RequestHead {
  host: string | undefined;
  cookie: string | undefined;
  authorization: string | undefined;
  origin: string | undefined;
  accept: string | undefined;
  upgrade: string | undefined;
  hasBody: boolean;
  /** Content-Length (0 when there is none, or the body is chunked). */
  bodyLength: number;
  /** The body comes in chunks (no length): it must be sent on chunked again. */
  chunked: boolean;
  /** The request's headers without credentials, hop-by-hop or forwarding headers. */
  forward: string[];
}

/** `name=value; …` without the hub's cookies; undefined when none is left. */
export function withoutHubCookies(header: string): string | undefined {
  return header.includes(HUB_COOKIE_PREFIX) ? keptCookies(header) : header;
}

export function readRequestHead(raw: string[]): RequestHead {
  const head: RequestHead = {
    host: undefined,
    cookie: undefined,
    authorization: undefined,
    origin: undefined,
    accept: undefined,
    upgrade: undefined,
    hasBody: false,
    bodyLength: 0,
    chunked: false,
    forward: [],
  };
  const out = head.forward;
  let connection: string | undefined;
  let lengthAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        head.host = value;
        break;
      case 'cookie': {
        head.cookie = head.cookie === undefined ? value : `${head.cookie}; ${value}`;
        const kept = withoutHubCookies(value);
        if (kept !== undefined) out.push(name, kept);
        continue;
      }
      case 'authorization':
        head.authorization = value;
        continue;
      case 'origin':
        head.origin = value;
        break;
      case 'accept':
        head.accept = value;
        break;
      case 'content-length':
        if (value !== '0') {
          head.hasBody = true;
          // Node has checked it is a number.
          head.bodyLength = Number(value);
        }
        lengthAt = out.length;
        break;
      case 'transfer-encoding':
        // Node de-chunks the body; the proxy chunks it again on the way out (and Node's client,
        // for upgrades, does so because this header is in the list). A length would contradict it.
        head.chunked = true;
        head.hasBody = true;
        out.push('Transfer-Encoding', 'chunked');
        continue;
      case 'connection':
        connection = connection === undefined ? value : `${connection}, ${value}`;
        continue;
      case 'upgrade':
        head.upgrade = value;
        continue;
      // Node answers `Expect: 100-continue` itself; the server must not answer it a second time.
      case 'expect':
      case 'forwarded':
        continue;
      default:
        if (HOP_BY_HOP_HEADERS.has(lower)) continue;
        if (lower.startsWith('x-forwarded-') || lower === 'x-hpchub-agent-secret') continue;
    }
    out.push(name, value);
  }
  if (head.chunked && lengthAt >= 0) {
    out.splice(lengthAt, 2);
    head.bodyLength = 0;
  }
  if (connection !== undefined) dropConnectionListed(out, connection);
  return head;
}

/** How the hub saw the request, for the X-Forwarded-* headers. */
export interface ForwardedFor {
  clientAddress: string;
  proto: 'http' | 'https';
  host: string;
  port: string;
}

/** Appends forwarding headers, the secret, and for an upgrade the Connection/Upgrade pair. */
export function finishUpstreamHeaders(
  head: RequestHead,
  seen: ForwardedFor,
  secret: string | undefined,
  upgrade: boolean,
): string[] {
  const out = head.forward;
  // HTTP/1.0 clients may omit Host; the server still needs one.
  if (head.host === undefined) out.push('Host', seen.host);
  out.push(
    'X-Forwarded-For',
    seen.clientAddress,
    'X-Forwarded-Proto',
    seen.proto,
    'X-Forwarded-Host',
    seen.host,
    'X-Forwarded-Port',
    seen.port,
  );
  if (secret !== undefined) out.push(SECRET_HEADER, secret);
  if (upgrade && head.upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', head.upgrade);
  return out;
}

/** The response headers to pass on to a browser: never a hub cookie set by a server. */
export function responseHeaders(raw: readonly string[], upgrade = false): string[] {
  return passedResponseHeaders(raw, upgrade, true);
}
