// What the agent forwards to the app in headers: never the hub's secret or the hub's cookies,
// never hop-by-hop headers (RFC 9110 §7.6.1, including those the Connection header names); the
// app's own auth replacing whatever the client sent under that name; X-Forwarded-Prefix when the
// prefix is stripped. Works on raw header arrays ([name, value, …]) to keep order and repeats.
import {
  AGENT_SECRET_HEADER,
  dropConnectionListed,
  HOP_BY_HOP_HEADERS,
  keptCookies,
  passedResponseHeaders,
} from '@hpchub/protocol';
import type { AppAuth } from './app-auth.js';

/** The value of the hub's secret header; undefined when it is missing or sent more than once. */
export function presentedSecret(raw: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== AGENT_SECRET_HEADER.length || name.toLowerCase() !== AGENT_SECRET_HEADER) continue;
    if (found !== undefined) return undefined;
    found = raw[i + 1] as string;
  }
  return found;
}

/** Joins the values of repeated Connection headers. */
function joined(previous: string | undefined, value: string): string {
  return previous === undefined ? value : `${previous}, ${value}`;
}

export interface UpstreamOptions {
  auth: AppAuth;
  forwardedPrefix: string | undefined;
  /** The Upgrade header's value for a WebSocket (or other) upgrade. */
  upgrade?: string | undefined;
}

export function upstreamHeaders(raw: readonly string[], opts: UpstreamOptions): string[] {
  const out: string[] = [];
  const authName = opts.auth.header?.[0].toLowerCase();
  const cookies: string[] = [];
  let chunked = false;
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      connection = joined(connection, value);
      continue;
    }
    if (lower === 'cookie') {
      // Without the hub's cookies and those the agent sets itself.
      const kept = keptCookies(value, (cookie) => opts.auth.hasCookie(cookie));
      if (kept !== undefined) cookies.push(kept);
      continue;
    }
    if (lower === 'transfer-encoding') {
      // Node de-chunks the body and chunks it again when this header is present.
      chunked = true;
      continue;
    }
    if (HOP_BY_HOP_HEADERS.has(lower)) continue;
    if (lower === AGENT_SECRET_HEADER || lower === authName || lower === 'x-forwarded-prefix') continue;
    if (chunked && lower === 'content-length') continue;
    out.push(name, value);
  }
  if (connection !== undefined) dropConnectionListed(out, connection);
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
  return passedResponseHeaders(raw, upgrade);
}
