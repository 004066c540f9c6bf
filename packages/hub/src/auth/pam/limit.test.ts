import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConcurrencyLimit } from './limit.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

it('never runs more than the limit at once and runs everything', async () => {
  const limit = new ConcurrencyLimit(2);
  let running = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      limit.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return i;
      }),
    ),
  );
  assert.equal(peak, 2);
  assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(limit.pending, 0);
});

it('frees the slot of a task that fails', async () => {
  const limit = new ConcurrencyLimit(1);
  await assert.rejects(
    limit.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await limit.run(async () => 'next'), 'next');
});

it('rejects a limit that is not a positive integer', () => {
  assert.throws(() => new ConcurrencyLimit(0), RangeError);
});
