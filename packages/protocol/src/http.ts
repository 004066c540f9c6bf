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

/**
 * The cookies of a Cookie header (`a=1; b=2`) other than the hub's and those `dropped` names,
 * trimmed and joined by `; `; undefined when none is left. One pass with indexOf, no arrays: a
 * hop runs it on every request that carries cookies.
 */
export function keptCookies(header: string, dropped?: (name: string) => boolean): string | undefined {
  let kept: string | undefined;
  for (let at = 0; at < header.length; ) {
    let end = header.indexOf(';', at);
    if (end === -1) end = header.length;
    const cookie = header.slice(at, end).trim();
    at = end + 1;
    if (cookie === '' || cookie.startsWith(HUB_COOKIE_PREFIX)) continue;
    if (dropped !== undefined) {
      const eq = cookie.indexOf('=');
      if (dropped(eq === -1 ? cookie : cookie.slice(0, eq))) continue;
    }
    kept = kept === undefined ? cookie : `${kept}; ${cookie}`;
  }
  return kept;
}

/** Lengths of the response header names passedResponseHeaders() acts on. */
const EXAMINED_LENGTHS: ReadonlySet<number> = new Set(
  ['connection', 'set-cookie', ...HOP_BY_HOP_HEADERS].map((name) => name.length),
);

/**
 * A server's response headers as a hop passes them on: without hop-by-hop headers (Connection and
 * Upgrade are kept on the answer to an upgrade) and those a Connection header lists; with
 * `dropHubCookies`, without a Set-Cookie for a hub cookie either.
 */
export function passedResponseHeaders(
  raw: readonly string[],
  upgrade = false,
  dropHubCookies = false,
): string[] {
  const headers: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    // Every name this loop looks for is of one of these lengths; others pass without lower-casing.
    if (EXAMINED_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (lower === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
      else if (dropHubCookies && lower === 'set-cookie' && value.trimStart().startsWith(HUB_COOKIE_PREFIX))
        continue;
      if (HOP_BY_HOP_HEADERS.has(lower) && !(upgrade && (lower === 'connection' || lower === 'upgrade')))
        continue;
    }
    headers.push(name, value);
  }
  if (connection !== undefined) dropConnectionListed(headers, connection);
  return headers;
}
