import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './password.js';

test('a hash verifies its own password and no other', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(await verifyPassword('correct horse battery', hash), true);
  assert.equal(await verifyPassword('correct horse batterY', hash), false);
  assert.equal(await verifyPassword('', hash), false);
});

test('the same password hashes differently each time (salted)', async () => {
  assert.notEqual(await hashPassword('same password'), await hashPassword('same password'));
});

test('no stored hash, a garbled hash or a huge password never verify', async () => {
  assert.equal(await verifyPassword('anything', null), false);
  assert.equal(await verifyPassword('anything', 'scrypt$broken'), false);
  assert.equal(
    await verifyPassword('x'.repeat(5000), await hashPassword('x'.repeat(5000).slice(0, 10))),
    false,
  );
});

test('password rules and generated passwords', () => {
  assert.match(passwordProblem('short') ?? '', /at least 8/);
  assert.equal(passwordProblem('long enough'), null);
  const generated = generatePassword();
  assert.equal(generated.length, 20);
  assert.equal(passwordProblem(generated), null);
});
