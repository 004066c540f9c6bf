// Bearer tokens: a presented token is hashed and looked up among the configured SHA-256 hashes
// (the gateway never holds a token itself). Unknown, malformed and expired tokens are alike: 401.
import { createHash, randomBytes } from 'node:crypto';
import type { Endpoint, TokenConfig } from './config.js';

export interface Caller {
  id: string;
  endpoints: Set<Endpoint>;
  /** Users the token may act for; undefined: any regular user. */
  users?: Set<string>;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token (printed once by `hpchub-slurm-gateway token`, stored only hashed). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export class TokenStore {
  private readonly byHash = new Map<string, TokenConfig>();

  constructor(tokens: readonly TokenConfig[]) {
    for (const t of tokens) this.byHash.set(t.sha256, t);
  }

  /** The caller of an Authorization header; undefined for a missing, unknown or expired token. */
  authenticate(header: string | undefined, now = Date.now()): Caller | undefined {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/i.exec(header ?? '');
    if (!match?.[1]) return undefined;
    const config = this.byHash.get(hashToken(match[1]));
    if (!config) return undefined;
    if (config.expires !== undefined && Date.parse(config.expires) <= now) return undefined;
    return {
      id: config.id,
      endpoints: new Set(config.endpoints),
      ...(config.users ? { users: new Set(config.users) } : {}),
    };
  }
}
