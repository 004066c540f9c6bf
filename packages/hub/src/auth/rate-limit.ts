// Failed-login accounting, per username and per client address. After too many failures within
// the window, the key is locked out for a while: guessing is slowed to a crawl, and an attacker
// spraying one password over many names is stopped by the per-address limit.
//
// Held in memory: the hub is one process, and a restart clearing the counters is acceptable
// (it is rare, and an attacker cannot trigger it).

export interface RateLimitOptions {
  maxFailures: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

// Bounds memory under a flood of distinct keys: the oldest entries are dropped first.
const MAX_KEYS = 100_000;

export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the key may try again, or 0 when it is not locked out. */
  lockedFor(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const remaining = entry.lockedUntil - this.now();
    return remaining > 0 ? Math.ceil(remaining / 1000) : 0;
  }

  /** Counts a failure; returns true when this failure triggered a lock-out. */
  fail(key: string): boolean {
    const now = this.now();
    const windowStart = now - this.options.windowSeconds * 1000;
    const entry = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => t > windowStart);
    entry.failures.push(now);
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_KEYS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    if (entry.failures.length >= this.options.maxFailures) {
      entry.lockedUntil = now + this.options.lockoutSeconds * 1000;
      entry.failures = [];
      return true;
    }
    return false;
  }

  /** A success clears the key's failures (but not a lock-out in force). */
  succeed(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.lockedUntil <= this.now()) this.entries.delete(key);
  }
}
