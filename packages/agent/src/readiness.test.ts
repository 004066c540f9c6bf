import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextProbePause } from './readiness.js';

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
