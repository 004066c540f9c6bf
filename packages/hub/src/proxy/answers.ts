// The answers the proxy gives instead of forwarding (redirect to login, 401, the 404 that hides
// whether a server exists, "not running", 503), as JSON for clients and pages for people, and
// how to send one on a response or, for a refused WebSocket upgrade, on the bare socket.
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Principal } from '../auth/scopes.js';
import { type ErrorCode, HubError } from '../errors/index.js';
import type { ProxyPages, UnroutedServer } from './types.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// The proxy's own pages run no script; they link the hub's stylesheet and post the logout form.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** How the answer is shaped: for a person (a page, a login redirect) or for a program (JSON). */
export interface Audience {
  html: boolean;
  principal: Principal | null;
  pages: ProxyPages;
}

export function errorAnswer(code: ErrorCode, audience: Audience, message?: string): Answer {
  const err = new HubError(code, message);
  if (audience.html)
    return {
      status: err.status,
      headers: PAGE_HEADERS,
      body: audience.pages.error(err, audience.principal),
    };
  return { status: err.status, headers: JSON_HEADERS, body: JSON.stringify(err.toBody()) };
}

/** 503: the server exists and the caller may reach it, but it has no route. */
export function notRunningAnswer(server: UnroutedServer, audience: Audience, url: string): Answer {
  if (audience.html && audience.principal)
    return {
      status: 503,
      headers: PAGE_HEADERS,
      body: audience.pages.notRunning(server, audience.principal, url),
    };
  const what = server.status === 'pending' ? 'is still starting' : 'is not running';
  return errorAnswer('unavailable', { ...audience, html: false }, `${audience.pages.label(server)} ${what}.`);
}

export function redirectAnswer(location: string): Answer {
  return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

export function loginRedirect(url: string): Answer {
  return redirectAnswer(`/hub/login?next=${encodeURIComponent(url)}`);
}

/** Sends the answer; returns the bytes of its body. */
export function sendAnswer(res: ServerResponse, answer: Answer): number {
  const length = Buffer.byteLength(answer.body);
  res.writeHead(answer.status, { ...answer.headers, 'content-length': length });
  res.end(answer.body);
  return length;
}

/**
 * Answers a WebSocket upgrade on its socket (there is no response object) and closes it; returns
 * the bytes of the answer's body (0 when the socket was gone).
 */
export function sendAnswerOnSocket(socket: Duplex, answer: Answer): number {
  if (socket.destroyed) return 0;
  const length = Buffer.byteLength(answer.body);
  const lines = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`];
  for (const [name, value] of Object.entries(answer.headers)) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${length}`, 'connection: close', '', '');
  socket.once('finish', () => socket.destroy());
  socket.end(lines.join('\r\n') + answer.body);
  return length;
}
