import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AppAuth } from './app-auth.js';
import { AppTarget } from './app-target.js';
import { nextProbePause, type ProbeResult, waitUntilReady } from './readiness.js';

test('probes every 25 ms for the first 30 s, then backs off to once a second', () => {
  // The schedule, not a clock: what the pause is at each point of a wait.
  assert.equal(nextProbePause(0, 0), 25);
  assert.equal(nextProbePause(1_500, 25), 25, 'JupyterLab is usually ready within two seconds');
  assert.equal(nextProbePause(29_999, 25), 25);
  const slow: number[] = [];
  let wait = 25;
  for (let elapsed = 30_000; slow.length < 8; elapsed += wait) {
    wait = nextProbePause(elapsed, wait);
    slow.push(wait);
  }
  assert.deepEqual(slow, [50, 100, 200, 400, 800, 1000, 1000, 1000]);
});

test('the last attempt reported is a full one: not an attempt the deadline cut short', async () => {
  // The app answers 503 once, then never answers: the next attempt runs into the deadline.
  let requests = 0;
  const app = createServer((_req, res) => {
    requests++;
    if (requests === 1) res.writeHead(503).end('warming up');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const { port } = app.address() as AddressInfo;
  try {
    const seen: ProbeResult[] = [];
    const ready = await waitUntilReady(
      new AppTarget({ host: '127.0.0.1', port }, '/', 'keep'),
      new AppAuth({ kind: 'none' }, 'TOKEN', (t) => t),
      '/',
      Date.now() + 300,
      new AbortController().signal,
      (r) => seen.push(r),
    );
    assert.equal(ready, false);
    assert.ok(requests >= 2, 'a second attempt was made');
    assert.deepEqual(seen.at(-1), { ok: false, why: 'HTTP 503' });
  } finally {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  }
});
