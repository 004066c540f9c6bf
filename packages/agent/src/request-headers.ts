// What the agent forwards to the app in headers: never the hub's secret or the hub's cookies,
// never hop-by-hop headers (RFC 9110 §7.6.1, including those the Connection header names); the
// app's own auth replacing whatever the client sent under that name; X-Forwarded-Prefix when the
// prefix is stripped. Works on raw header arrays ([name, value, …]) to keep order and repeats.
import {
  AGENT_SECRET_HEADER,
  connectionListed,
  HOP_BY_HOP_HEADERS,
  HUB_COOKIE_PREFIX,
} from '@hpchub/protocol';
import type { AppAuth } from './app-auth.js';

/** Names listed in a Connection header that are themselves headers to drop. */
function connectionListedIn(raw: readonly string[]): Set<string> {
  const listed = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'connection') connectionListed(raw[i + 1] as string, listed);
  }
  return listed;
}

/** The cookie header without the hub's cookies (and without those the agent sets itself). */
function filterCookies(value: string, auth: AppAuth): string[] {
  return value
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '' && !c.startsWith(HUB_COOKIE_PREFIX) && !auth.hasCookie(c.split('=', 1)[0] ?? ''));
}

export interface UpstreamOptions {
  auth: AppAuth;
  forwardedPrefix: string | undefined;
  /** The Upgrade header's value for a WebSocket (or other) upgrade. */
  upgrade?: string | undefined;
}

export function upstreamHeaders(raw: readonly string[], opts: UpstreamOptions): string[] {
  const out: string[] = [];
  const dropped = connectionListedIn(raw);
  const authName = opts.auth.header?.[0].toLowerCase();
  const cookies: string[] = [];
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      cookies.push(...filterCookies(value, opts.auth));
      continue;
    }
    if (lower === 'transfer-encoding') {
      // Node de-chunks the body and chunks it again when this header is present.
      chunked = true;
      continue;
    }
    if (HOP_BY_HOP_HEADERS.has(lower) || dropped.has(lower)) continue;
    if (lower === AGENT_SECRET_HEADER || lower === authName || lower === 'x-forwarded-prefix') continue;
    if (chunked && lower === 'content-length') continue;
    out.push(name, value);
  }
  if (chunked) {
    for (let i = out.length - 2; i >= 0; i -= 2)
      if ((out[i] as string).toLowerCase() === 'content-length') out.splice(i, 2);
    out.push('Transfer-Encoding', 'chunked');
  }
  const own = opts.auth.cookieHeader();
  if (own !== undefined) cookies.push(own);
  if (cookies.length > 0) out.push('Cookie', cookies.join('; '));
  if (opts.auth.header) out.push(opts.auth.header[0], opts.auth.header[1]);
  if (opts.forwardedPrefix !== undefined) out.push('X-Forwarded-Prefix', opts.forwardedPrefix);
  if (opts.upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', opts.upgrade);
  return out;
}

/** Response headers for the client: hop-by-hop headers dropped (kept for a 101 upgrade answer). */
export function downstreamHeaders(raw: readonly string[], upgrade = false): string[] {
  const out: string[] = [];
  const dropped = connectionListedIn(raw);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    const keep = upgrade && (lower === 'connection' || lower === 'upgrade');
    if (!keep && (HOP_BY_HOP_HEADERS.has(lower) || dropped.has(lower))) continue;
    out.push(name, raw[i + 1] as string);
  }
  return out;
}
