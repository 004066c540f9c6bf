// The per-server secret the agent inside a job proves itself with (and the proxy presents to the
// agent): made when a start begins, handed to the job in its environment, kept by the hub only
// as a hash (and, once the server is routed, sealed in its route: see route-record.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A fresh secret and the hash the server row keeps. */
export function newAgentSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashSecret(secret) };
}

/** Constant-time check of a presented secret against a server's stored hash. */
export function secretMatches(presented: string | undefined, storedHash: string | null): presented is string {
  if (!presented || !storedHash || presented.length > 200) return false;
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
