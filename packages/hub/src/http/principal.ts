// Who is calling: resolves the API token or session cookie of every request into a Principal,
// once, before any handler runs. Routes then declare what they need (see ./access.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Caller } from '../auth/caller.js';
import { resolvePrincipal } from '../auth/principal.js';
import type { Principal } from '../auth/scopes.js';
import type { ServiceTokens } from '../auth/service-tokens.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import type { Database, UserRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null for anonymous requests. */
    principal: Principal | null;
    /** The raw session id of a cookie-authenticated request (for logout). */
    sessionId: string | null;
    /** The principal's account, read with its credentials; null for anonymous requests and services. */
    principalUser: UserRow | null;
  }
}

/** The signed-in caller of a route that is not public, for the rules it calls. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.principal) throw new HubError('unauthorized');
  return { principal: request.principal, log: request.log };
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
  async (app: FastifyInstance, opts: { db: Kysely<Database>; services?: ServiceTokens }) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('sessionId', null);
    app.decorateRequest('principalUser', null);
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const cookie = request.cookies[SESSION_COOKIE];
      const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
      const { principal, sessionId, user } = await resolvePrincipal(
        opts.db,
        {
          authorization: request.headers.authorization,
          sessionId: unsigned?.valid ? (unsigned.value ?? undefined) : undefined,
        },
        opts.services,
      );
      request.principal = principal;
      request.sessionId = sessionId;
      request.principalUser = user;
    });
    app.addHook('preHandler', async (request: FastifyRequest, _reply: FastifyReply) => checkCsrf(request));
  },
  { name: 'hpchub-principal' },
);
