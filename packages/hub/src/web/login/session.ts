// Starting a signed-in session, the same way after a password and after single sign-on: the
// session row, the signed httpOnly cookie, the user's last activity, and the log line.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSession, SESSION_COOKIE } from '../../auth/sessions.js';
import type { HubContext } from '../../context.js';
import type { UserRow } from '../../db/schema.js';
import { touchUser } from '../../users/store.js';

/** Only same-site paths may be a redirect target after login (no open redirects). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) {
    return '/hub/home';
  }
  return next.length > 2000 ? '/hub/home' : next;
}

/** Whether cookies set in answer to this request carry the Secure flag (`session.cookie_secure`). */
export function secureCookies(hub: HubContext, request: FastifyRequest): boolean {
  const mode = hub.config.session.cookie_secure;
  return mode === 'always' || (mode === 'auto' && request.protocol === 'https');
}

export async function startSession(
  hub: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  user: UserRow,
  via: { method: 'password' } | { method: 'oidc'; idToken: string | undefined },
): Promise<void> {
  const session = await createSession(hub.db, {
    userId: user.id,
    maxAgeSeconds: hub.config.session.max_age_seconds,
    address: request.ip,
    userAgent: request.headers['user-agent'],
    idToken: via.method === 'oidc' ? via.idToken : undefined,
  });
  await touchUser(hub.db, user.id);
  request.log.info({ user: user.name, via: via.method }, 'logged in');
  reply.setCookie(SESSION_COOKIE, session.id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(hub, request),
    signed: true,
    maxAge: hub.config.session.max_age_seconds,
  });
}
