import assert from 'node:assert/strict';
import { test } from 'node:test';
import { movedCount, withUser } from './tally.js';

test('withUser keeps the user list sorted and without repeats, and says when nothing changes', () => {
  assert.equal(withUser('[]', 7), '[7]');
  assert.equal(withUser('[2,5,9]', 1), '[1,2,5,9]');
  assert.equal(withUser('[2,5,9]', 6), '[2,5,6,9]');
  assert.equal(withUser('[2,5,9]', 10), '[2,5,9,10]');
  for (const listed of [2, 5, 9]) assert.equal(withUser('[2,5,9]', listed), undefined);
});

test('movedCount moves one start between counted values, dropping values no start has', () => {
  assert.equal(movedCount('[]', null, 4), '[4,1]');
  assert.equal(movedCount('[4,1]', 4, 6), '[6,1]');
  assert.equal(movedCount('[4,2,9,1]', 4, 9), '[4,1,9,2]');
  assert.equal(movedCount('[4,1]', 4, null), '[]');
  assert.equal(movedCount('[3,1]', null, null), '[3,1]');
});
