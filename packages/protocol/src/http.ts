// HTTP rules the hub's proxy and the agent both apply when they forward a request: which headers
// never cross a hop, and which cookies are the hub's own.

/** Every cookie of the hub starts so (hpchub-session, hpchub-login-xsrf): never forwarded to a server. */
export const HUB_COOKIE_PREFIX = 'hpchub-';

/** Hop-by-hop headers (RFC 9110 §7.6.1), dropped by every proxy on the way. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Tokens of a Connection header that are options, not names of headers to drop. */
const CONNECTION_OPTIONS: ReadonlySet<string> = new Set(['close', 'keep-alive', 'upgrade']);

/** The header names (lower case) that a Connection header's value lists as hop-by-hop. */
export function connectionListed(value: string, into: Set<string> = new Set()): Set<string> {
  for (const token of value.toLowerCase().split(',')) {
    const name = token.trim();
    if (name !== '' && !CONNECTION_OPTIONS.has(name)) into.add(name);
  }
  return into;
}

/** A Connection header that names no other header (nearly every one): nothing to drop. */
const CONNECTION_OPTION_ONLY = /^[ \t]*(?:keep-alive|close|upgrade)[ \t]*$/i;

/**
 * Removes, in place, the headers a Connection header lists (`Connection: close, X-Private`) from
 * a raw header array ([name, value, …]); `connection` is that header's value (several joined by
 * commas).
 */
export function dropConnectionListed(headers: string[], connection: string): void {
  if (CONNECTION_OPTION_ONLY.test(connection)) return;
  const drop = connectionListed(connection);
  if (drop.size === 0) return;
  let w = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (drop.has(name.toLowerCase())) continue;
    headers[w++] = name;
    headers[w++] = headers[i + 1] as string;
  }
  headers.length = w;
}
