import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureLimiter } from './rate-limit.js';

function limiter() {
  let now = 1_000_000;
  const l = new FailureLimiter({ maxFailures: 3, windowSeconds: 60, lockoutSeconds: 300 }, () => now);
  return { l, advance: (s: number) => (now += s * 1000) };
}

test('the Nth failure within the window locks the key out for the lock-out time', () => {
  const { l, advance } = limiter();
  assert.equal(l.fail('u'), false);
  assert.equal(l.fail('u'), false);
  assert.equal(l.lockedFor('u'), 0);
  assert.equal(l.fail('u'), true);
  assert.equal(l.lockedFor('u'), 300);
  advance(299);
  assert.equal(l.lockedFor('u'), 1);
  advance(2);
  assert.equal(l.lockedFor('u'), 0);
});

test('failures older than the window do not count', () => {
  const { l, advance } = limiter();
  l.fail('u');
  l.fail('u');
  advance(61);
  assert.equal(l.fail('u'), false);
});

test('a success clears failures but not a lock-out in force; keys are independent', () => {
  const { l } = limiter();
  l.fail('u');
  l.fail('u');
  l.succeed('u');
  assert.equal(l.fail('u'), false);
  l.fail('v');
  l.fail('v');
  l.fail('v');
  l.succeed('v');
  assert.ok(l.lockedFor('v') > 0);
  assert.equal(l.lockedFor('u'), 0);
});
