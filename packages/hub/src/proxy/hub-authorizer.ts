// The hub's ProxyAuthorizer: who a request's session cookie or API token belongs to (resolved
// exactly as for the hub's own routes, by auth/principal.ts), and whether that user may reach a
// server: its owner; an admin when `proxy.admin_access` is on; a user or a member of a group the
// server is shared with. API tokens need the `servers` (or `self`) scope, admins the `admin` one.
//
// The proxy asks on every request, and resolving a session costs database queries, so answers
// are cached for `proxy.auth_cache_seconds` (10 s by default), keyed by the credential as sent.
// That bounds how long a revoked token, a blocked user or a withdrawn share keeps working, while
// a busy browser tab costs one lookup per interval instead of hundreds per second. Logout is
// immediate: the hub calls forgetSession. JupyterHub's own services cache for 5 minutes.
import { unsign } from '@fastify/cookie';
import type { Kysely } from 'kysely';
import { resolvePrincipal } from '../auth/principal.js';
import { type Principal, principalIsAdmin } from '../auth/scopes.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { TOKEN_PREFIX } from '../auth/tokens.js';
import type { Database } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import { type Grantees, granteesOf, groupIdsOf } from '../shares/store.js';
import { TtlCache } from './ttl-cache.js';
import type { Credentials, Identified, Identity, ProxyAuthorizer, ServerRef } from './types.js';

export interface HubIdentity extends Identity {
  readonly principal: Principal;
  /** The session id of a cookie-authenticated caller (to forget it at logout). */
  readonly sessionId: string | null;
  /** Groups of the caller, loaded the first time a group share must be checked. */
  groupIds?: ReadonlySet<number>;
  /** The authorizer's generation when groupIds were loaded: older ones are loaded again. */
  groupsGeneration?: number;
}

export interface HubAuthorizerOptions {
  db: Kysely<Database>;
  cookieSecret: string;
  adminAccess: boolean;
  /** 0: no caching. */
  cacheMs: number;
  /** Bound on cached tokens, session cookies and servers (each); the oldest go first. */
  maxEntries?: number;
}

const HUB_TOKEN = new RegExp(`^(?:token|bearer)\\s+${TOKEN_PREFIX}`, 'i');
const COOKIE_NEEDLE = `${SESSION_COOKIE}=`;

/** The session cookie's value as sent (still signed and encoded), or undefined. */
export function sessionCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let at = header.indexOf(COOKIE_NEEDLE);
  while (at !== -1) {
    const before = at === 0 ? ';' : header[at - 1];
    if (before === ';' || before === ' ') {
      const start = at + COOKIE_NEEDLE.length;
      const end = header.indexOf(';', start);
      return header.slice(start, end === -1 ? header.length : end).trim();
    }
    at = header.indexOf(COOKIE_NEEDLE, at + 1);
  }
  return undefined;
}

function decodeCookie(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** May the principal reach servers at all (its own, or shared with it)? */
function reachesServers(p: Principal): boolean {
  return p.scopes.has('servers') || p.scopes.has('self') || principalIsAdmin(p);
}

export class HubAuthorizer implements ProxyAuthorizer<HubIdentity> {
  /**
   * Identities by the Authorization header as sent and by the session cookie's value as sent: two
   * maps, so a lookup hashes the credential itself rather than a key built from it per request.
   */
  private readonly byToken: TtlCache<string, Identified<HubIdentity>>;
  private readonly byCookie: TtlCache<string, Identified<HubIdentity>>;
  private readonly grants: TtlCache<number, Grantees>;
  private readonly loading = new Map<string, Promise<Identified<HubIdentity>>>();
  /** Bumped by every forget*: a lookup that started before must not cache what it read. */
  private generation = 0;

  constructor(private readonly options: HubAuthorizerOptions) {
    const max = options.maxEntries ?? 10_000;
    this.byToken = new TtlCache(options.cacheMs, max);
    this.byCookie = new TtlCache(options.cacheMs, max);
    this.grants = new TtlCache(options.cacheMs, max);
  }

  identify(credentials: Credentials): Identified<HubIdentity> | Promise<Identified<HubIdentity>> {
    const { authorization } = credentials;
    // Only `token hph_…`/`bearer hph_…` are hub credentials. Another scheme (Basic), or a token
    // of the app's own (JupyterLab's frontend sends the token Jupyter put in its page), is not
    // ours to judge: the cookie decides. The proxy never forwards Authorization either way.
    const token = authorization !== undefined && HUB_TOKEN.test(authorization) ? authorization : undefined;
    const cookie = token === undefined ? sessionCookie(credentials.cookie) : undefined;
    if (token === undefined && cookie === undefined) return null;
    const hit = token !== undefined ? this.byToken.get(token) : this.byCookie.get(cookie as string);
    if (hit !== undefined) return hit;
    const key = token !== undefined ? `t ${token}` : `c ${cookie}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(token, cookie).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  mayReach(identity: HubIdentity, server: ServerRef): boolean | Promise<boolean> {
    const p = identity.principal;
    if (server.ownerId === p.userId) return reachesServers(p);
    if (this.options.adminAccess && principalIsAdmin(p)) return true;
    if (server.id === null || !reachesServers(p)) return false;
    const grants = this.grants.get(server.id);
    if (grants) return this.granted(identity, grants);
    const generation = this.generation;
    const serverId = server.id;
    return granteesOf(this.options.db, serverId).then((loaded) => {
      if (generation === this.generation) this.grants.set(serverId, loaded);
      return this.granted(identity, loaded);
    });
  }

  /** At logout: the session's cookie stops working at once. */
  forgetSession(sessionId: string): void {
    this.generation++;
    this.byCookie.deleteWhere((v) => typeof v === 'object' && v !== null && v.sessionId === sessionId);
  }

  /** After a user was blocked, deleted, or lost admin rights. */
  forgetUser(userId: number): void {
    this.generation++;
    const ofUser = (v: Identified<HubIdentity>) =>
      typeof v === 'object' && v !== null && v.principal.userId === userId;
    this.byToken.deleteWhere(ofUser);
    this.byCookie.deleteWhere(ofUser);
  }

  /** After the shares of a server changed. */
  forgetServer(serverId: number): void {
    this.generation++;
    this.grants.delete(serverId);
  }

  private granted(identity: HubIdentity, grants: Grantees): boolean | Promise<boolean> {
    if (grants.userIds.has(identity.principal.userId)) return true;
    if (grants.groupIds.size === 0) return false;
    const inGroup = (groups: ReadonlySet<number>) => [...grants.groupIds].some((g) => groups.has(g));
    // Loaded again after anything was forgotten (a member added or removed, say), so an open
    // WebSocket asked about again after a group change is judged by today's groups.
    if (identity.groupIds && identity.groupsGeneration === this.generation) return inGroup(identity.groupIds);
    const generation = this.generation;
    return groupIdsOf(this.options.db, identity.principal.userId).then((groups) => {
      identity.groupIds = groups;
      identity.groupsGeneration = generation;
      return inGroup(groups);
    });
  }

  private async load(
    token: string | undefined,
    cookie: string | undefined,
  ): Promise<Identified<HubIdentity>> {
    const generation = this.generation;
    const unsigned =
      cookie === undefined ? undefined : unsign(decodeCookie(cookie), this.options.cookieSecret);
    const sessionId = unsigned?.valid ? (unsigned.value ?? undefined) : undefined;
    let result: Identified<HubIdentity>;
    try {
      const resolved = await resolvePrincipal(this.options.db, { authorization: token, sessionId });
      result = resolved.principal ? { principal: resolved.principal, sessionId: resolved.sessionId } : null;
    } catch (err) {
      if (!(err instanceof HubError && err.code === 'invalid_token')) throw err;
      result = 'invalid_token';
    }
    if (generation === this.generation) {
      if (token !== undefined) this.byToken.set(token, result);
      else this.byCookie.set(cookie as string, result);
    }
    return result;
  }
}
