// One poll's reports do not hold the event loop: on SQLite each report's writes are synchronous,
// and a poll that sees many jobs change (a class's thousand starts) would otherwise keep every
// request waiting until its last report (found by bench:scale's surge).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Monitor } from './monitor.js';
import type { PollResult } from './spawner.js';

/** Synchronous work, as a better-sqlite3 write is. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('a poll reporting many servers lets waiting requests run between its reports, and reports each once', async () => {
  const servers = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, state: {} }));
  const reported: number[] = [];
  const monitor = new Monitor({
    intervalSeconds: 3600,
    list: async () => servers,
    pollMany: async (states) => states.map((): PollResult => ({ status: 'running' })),
    report: (server) => {
      busy(2);
      reported.push(server.id);
      return Promise.resolve();
    },
    log: { error: () => {} },
  });
  let reportsWhenARequestRan: number | undefined;
  const poll = monitor.pollOnce();
  // A request arriving meanwhile: it runs at the event loop's next turn.
  setImmediate(() => {
    reportsWhenARequestRan = reported.length;
  });
  await poll;
  await monitor.close();
  assert.deepEqual(
    reported,
    servers.map((s) => s.id),
  );
  assert.ok(
    reportsWhenARequestRan !== undefined && reportsWhenARequestRan < servers.length,
    `the request ran after ${reportsWhenARequestRan} of ${servers.length} reports`,
  );
});
