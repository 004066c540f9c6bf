import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseUsername, usernameProblem } from './names.js';

test('usernames are normalised: trimmed, lower-cased, compatibility forms folded', () => {
  assert.equal(normaliseUsername('  Alice '), 'alice');
  assert.equal(normaliseUsername('ＢＯＢ'), 'bob');
});

test('acceptable usernames', () => {
  for (const name of ['alice', 'j.doe', 'user_1', 'a-b', '_svc', '7zip'])
    assert.equal(usernameProblem(name), null, name);
});

test('unacceptable usernames say why', () => {
  for (const name of [
    '',
    'a/b',
    '..',
    'a..b',
    'has space',
    'x'.repeat(33),
    '-rf',
    '.hidden',
    'Bob',
    'a\nb',
    'é',
  ]) {
    assert.ok(usernameProblem(name), JSON.stringify(name));
  }
});
