// Authorization, declared where a route is declared:
//
//   app.get('/users/:name', { config: { access: userAccess('read') } }, handler)
//
// The check runs before the handler. Anonymous callers get 401; callers who may not make the
// request get the same 404 as for a resource that does not exist, so nobody can probe which
// users or tokens exist. A route about a user (`userAccess`) finds that user here, once:
// handlers take it from `subjectOf(request)`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import {
  adminWithAny,
  canManageServersOf,
  canManageTokensOf,
  canReadUser,
  canReportActivityOf,
  canStopServersOf,
  type Principal,
  type Scope,
} from '../auth/scopes.js';
import type { Database, UserRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import { findUser } from '../users/store.js';

export type Access =
  /** Anyone, logged in or not. */
  | { kind: 'public' }
  /** Any authenticated caller. */
  | { kind: 'authenticated' }
  /** Admins (with the admin scope); also an admin's token with one of `orScopes`. */
  | { kind: 'admin'; orScopes?: readonly Scope[] }
  /** The user named by the `:name` path parameter, or an admin. */
  | { kind: 'user'; need: UserNeed };

/** What a route about a user does: read them, manage tokens, start or stop servers, report activity. */
type UserNeed = 'read' | 'tokens' | 'servers' | 'stop-servers' | 'activity';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user a `userAccess` route is about (its `:name`), found by the access check. */
    subject: UserRow | null;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** 'login-form': the route checks its own double-submit CSRF token (no session yet). */
    csrf?: 'login-form';
  }
}

export const userAccess = (need: UserNeed): Access => ({ kind: 'user', need });

const USER_CHECKS: Record<UserNeed, (p: Principal, name: string) => boolean> = {
  read: canReadUser,
  tokens: canManageTokensOf,
  servers: canManageServersOf,
  'stop-servers': canStopServersOf,
  activity: canReportActivityOf,
};

/** The user a `userAccess` route is about; only such routes may ask. */
export function subjectOf(request: FastifyRequest): UserRow {
  if (!request.subject) throw new HubError('internal', undefined, { detail: 'route has no subject user' });
  return request.subject;
}

function allowed(access: Access, p: Principal, request: FastifyRequest): boolean {
  switch (access.kind) {
    case 'public':
    case 'authenticated':
      return true;
    case 'admin':
      return adminWithAny(p, access.orScopes ?? []);
    case 'user':
      return USER_CHECKS[access.need](p, (request.params as { name?: string }).name ?? '');
  }
}

/**
 * Fails with 401 when anonymous, 404 when not allowed or when the user a route is about does not
 * exist; a route without `access` is refused.
 */
export const accessPlugin = fp(
  async (app: FastifyInstance, opts: { db: Kysely<Database> }) => {
    app.decorateRequest('subject', null);
    app.addHook('preValidation', async (request) => {
      const access = request.routeOptions.config.access;
      // Routes must say who may call them; forgetting to is a bug, and it fails closed.
      if (!access) {
        if (request.is404) return;
        throw new HubError('internal', undefined, {
          detail: `route ${request.routeOptions.url} declares no access`,
        });
      }
      if (access.kind === 'public') return;
      const p = request.principal;
      if (!p) throw new HubError('unauthorized');
      if (!allowed(access, p, request)) throw notFound();
      if (access.kind === 'user') {
        // The caller's own account was read with their credentials, in this request.
        const name = (request.params as { name: string }).name;
        const own = request.principalUser?.name === name ? request.principalUser : undefined;
        request.subject = own ?? (await findUser(opts.db, name)) ?? null;
        if (!request.subject) throw notFound();
      }
    });
  },
  { name: 'hpchub-access', dependencies: ['hpchub-principal'] },
);
