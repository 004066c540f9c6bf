// The API tokens of the hub's own services (the `services` option), kept in memory only: a
// service's token is made when the hub starts it (or given in the configuration) and is good for
// as long as that hub runs it. A service is a caller of its own, not a user: its principal names
// it `service:NAME`, and its scopes are exactly those configured (JupyterHub's or hpchub's names).
import { randomBytes } from 'node:crypto';
import { isAdminOnly, isScope, type Principal, type Scope } from './scopes.js';
import { hashToken, TOKEN_PREFIX } from './tokens.js';

/** The scope names that are not hpchub's or JupyterHub's known ones (for a startup error). */
export function unknownScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !isScope(s));
}

export class ServiceTokens {
  readonly #byHash = new Map<string, Principal>();
  readonly #hashOf = new Map<string, string>();

  /** A token for service `name` with `scopes` (replacing its earlier one); `fixed` when configured. */
  issue(name: string, scopes: readonly Scope[], fixed?: string): string {
    const token = fixed ?? TOKEN_PREFIX + randomBytes(32).toString('base64url');
    this.revoke(name);
    const hash = hashToken(token);
    this.#hashOf.set(name, hash);
    this.#byHash.set(hash, {
      userId: 0,
      name: `service:${name}`,
      // Admin-only scopes make a service an admin caller: the site's configuration granted them.
      admin: scopes.some(isAdminOnly),
      scopes: new Set(scopes),
      via: 'token',
    });
    return token;
  }

  revoke(name: string): void {
    const hash = this.#hashOf.get(name);
    if (hash) this.#byHash.delete(hash);
    this.#hashOf.delete(name);
  }

  /** The principal of a service token, or undefined for any other token. */
  principalOf(token: string): Principal | undefined {
    return this.#byHash.get(hashToken(token));
  }
}
