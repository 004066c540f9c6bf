// Who is calling: resolves the API token or session cookie of every request into a Principal,
// once, before any handler runs. Routes then declare what they need (see ./access.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/scopes.js';
import { scopesOfUser } from '../auth/scopes.js';
import { lookupSession } from '../auth/sessions.js';
import { lookupToken, tokenScopes } from '../auth/tokens.js';
import type { Database } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import { findUserById } from '../users/store.js';

export const SESSION_COOKIE = 'hpchub-session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null for anonymous requests. */
    principal: Principal | null;
    /** The raw session id of a cookie-authenticated request (for logout). */
    sessionId: string | null;
  }
}

/** Extracts the token from `Authorization: token T` or `Authorization: bearer T`. */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export async function resolvePrincipal(
  db: Kysely<Database>,
  request: FastifyRequest,
): Promise<{ principal: Principal | null; sessionId: string | null }> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const token = tokenFromHeader(header);
    const row = token ? await lookupToken(db, token) : undefined;
    const user = row ? await findUserById(db, row.user_id) : undefined;
    // A presented but unusable token is an error, not a silent fall-back to the cookie:
    // a script with a revoked token should learn so instead of acting as someone else.
    if (!row || !user || user.blocked) throw new HubError('invalid_token');
    const allowed = new Set(scopesOfUser(user));
    const scopes = new Set(tokenScopes(row).filter((s) => allowed.has(s)));
    return {
      principal: {
        userId: user.id,
        name: user.name,
        admin: user.admin === 1,
        scopes,
        via: 'token',
        tokenId: row.id,
      },
      sessionId: null,
    };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) {
    const unsigned = request.unsignCookie(cookie);
    const session = unsigned.valid && unsigned.value ? await lookupSession(db, unsigned.value) : undefined;
    const user = session ? await findUserById(db, session.user_id) : undefined;
    if (session && user && !user.blocked) {
      return {
        principal: {
          userId: user.id,
          name: user.name,
          admin: user.admin === 1,
          scopes: new Set(scopesOfUser(user)),
          via: 'cookie',
          csrfToken: session.csrf_token,
        },
        sessionId: unsigned.value,
      };
    }
  }
  return { principal: null, sessionId: null };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated requests that change state must prove they come from our own pages:
 * the session's CSRF token in the X-XSRFToken header (scripts) or the `_xsrf` form field.
 * Token-authenticated requests need no such proof: a browser never adds the header by itself.
 */
function checkCsrf(request: FastifyRequest): void {
  const p = request.principal;
  if (p?.via !== 'cookie' || SAFE_METHODS.has(request.method)) return;
  // The login form is posted before there is a session; it carries its own double-submit token.
  if (request.routeOptions.config.csrf === 'login-form') return;
  const header = request.headers['x-xsrftoken'];
  const field = (request.body as { _xsrf?: unknown } | undefined)?._xsrf;
  const sent = typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
  if (sent !== p.csrfToken) throw new HubError('csrf_failed');
}

export const principalPlugin = fp(
  async (app: FastifyInstance, opts: { db: Kysely<Database> }) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('sessionId', null);
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const { principal, sessionId } = await resolvePrincipal(opts.db, request);
      request.principal = principal;
      request.sessionId = sessionId;
    });
    app.addHook('preHandler', async (request: FastifyRequest, _reply: FastifyReply) => checkCsrf(request));
  },
  { name: 'hpchub-principal' },
);
