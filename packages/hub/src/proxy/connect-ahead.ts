// Connecting ahead. A hub that restarts has every route again at once (loaded from the
// database) but not one connection to a server, and each server's first request would open its
// own: a TLS handshake with the pin check (connect.ts), about a millisecond of the hub's CPU and
// a round trip, all on the request's path — and after a restart the first requests of every
// active user come together. So once the hub listens it opens one connection to each routed
// server in the background, a few at a time, each put in its route's pool (UpstreamPool.warm)
// where the first request finds it. A request that comes first is not delayed: it opens its
// connection as before, or takes the one being opened ahead, and the route is then skipped.
// What cannot be reached is left for its first request to find out, as without connecting ahead.

/** What connecting ahead needs of a route's pool (UpstreamPool). */
export interface Warmable {
  warm(done: (err: Error | null, opened: boolean) => void): void;
}

export interface AheadCounts {
  /** Routes whose pool was asked. */
  routes: number;
  /** Connections opened and put in their pool. */
  opened: number;
  /** Servers that could not be reached, or whose certificate did not match its pin. */
  failed: number;
}

/**
 * Warms each pool `pools` yields, at most `concurrency` at a time, the next one started on the
 * event loop's check phase (after the I/O that was waiting: requests go first). Stops when
 * `pools` is done; resolves with the counts.
 */
export function connectAhead(pools: Iterator<Warmable>, concurrency: number): Promise<AheadCounts> {
  const counts: AheadCounts = { routes: 0, opened: 0, failed: 0 };
  return new Promise((resolve) => {
    let running = 0;
    let exhausted = false;
    const next = () => {
      const item = exhausted ? undefined : pools.next();
      if (!item || item.done) {
        exhausted = true;
        if (running === 0) resolve(counts);
        return;
      }
      running++;
      counts.routes++;
      item.value.warm((err, opened) => {
        running--;
        if (err) counts.failed++;
        else if (opened) counts.opened++;
        setImmediate(next);
      });
    };
    for (let i = 0; i < Math.max(1, concurrency); i++) setImmediate(next);
  });
}
