// The two secrets the agent handles: the hub's per-server secret, which every request to the
// agent must carry, and the app token the agent makes up so that only it can talk to the app.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: the app token (`{token}`). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Compares a presented secret with the expected one in constant time. Both sides are hashed
 * first, so neither the length nor a common prefix of the expected secret leaks through timing.
 */
export function secretMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
