// Who is calling, from the credentials a request presents (an API token in the Authorization
// header, or the id of a signed-in session): the Principal every authorization decision uses.
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import { type Principal, scopesOfUser } from './scopes.js';
import type { ServiceTokens } from './service-tokens.js';
import { lookupSession } from './sessions.js';
import { lookupToken, tokenScopes } from './tokens.js';

/** Extracts the token from `Authorization: token T` or `Authorization: bearer T`. */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The credentials a request presents, as the hub's routes and the proxy both read them. */
export interface PresentedCredentials {
  /** The Authorization header as sent. */
  authorization: string | undefined;
  /** The session id of the session cookie whose signature checked out; undefined without one. */
  sessionId: string | undefined;
}

/**
 * Who presented these credentials: one code path for the hub's routes and for the proxy. An API
 * token wins over the cookie; a presented token that is unknown, expired, revoked or whose user
 * is blocked is an error (invalid_token), never a fall-back to the cookie. With the principal
 * comes its account as read with the credentials (none for a service).
 */
export async function resolvePrincipal(
  db: Kysely<Database>,
  credentials: PresentedCredentials,
  services?: ServiceTokens,
): Promise<{ principal: Principal | null; sessionId: string | null; user: UserRow | null }> {
  const header = credentials.authorization;
  if (header !== undefined) {
    const token = tokenFromHeader(header);
    const service = token ? services?.principalOf(token) : undefined;
    if (service) return { principal: service, sessionId: null, user: null };
    const found = token ? await lookupToken(db, token) : undefined;
    // A presented but unusable token is an error, not a silent fall-back to the cookie:
    // a script with a revoked token should learn so instead of acting as someone else.
    if (!found || found.owner.blocked) throw new HubError('invalid_token');
    const { row, owner: user } = found;
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
      user,
    };
  }
  const sessionId = credentials.sessionId;
  if (sessionId) {
    const found = await lookupSession(db, sessionId);
    if (found && !found.owner.blocked) {
      const { row: session, owner: user } = found;
      return {
        principal: {
          userId: user.id,
          name: user.name,
          admin: user.admin === 1,
          scopes: new Set(scopesOfUser(user)),
          via: 'cookie',
          csrfToken: session.csrf_token,
        },
        sessionId,
        user,
      };
    }
  }
  return { principal: null, sessionId: null, user: null };
}
