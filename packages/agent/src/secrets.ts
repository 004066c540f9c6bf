// The two secrets the agent handles: the hub's per-server secret, which every request to the
// agent must carry, and the app token the agent makes up so that only it can talk to the app.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: the app token (`{token}`). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The SHA-256 of a secret, which secretMatches compares against (computed once per secret). */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * Compares a presented secret with the expected one, given as its secretDigest, in constant time.
 * The presented side is hashed too, so neither the length nor a common prefix of the expected
 * secret leaks through timing.
 */
export function secretMatches(presented: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(secretDigest(presented), expected);
}
