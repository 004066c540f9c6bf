// The local authenticator against the shared Authenticator contract, on a real database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticatorConformance } from '../../test-support/authenticator-conformance.js';
import { openTestDatabase } from '../../test-support/db.js';
import { hashPassword } from '../../users/password.js';
import { createUser } from '../../users/store.js';
import { createLocalAuthenticator } from './authenticator.js';

authenticatorConformance('local', async () => {
  const database = await openTestDatabase();
  await createUser(database.db, {
    name: 'conformance-user',
    passwordHash: await hashPassword('correct horse battery'),
  });
  return {
    authenticator: createLocalAuthenticator(database.db),
    valid: { name: 'conformance-user', password: 'correct horse battery' },
    cleanup: () => database.close(),
  };
});

test('an account without a password (created for PAM) cannot log in locally', async () => {
  const database = await openTestDatabase();
  try {
    await createUser(database.db, { name: 'pam-only' });
    const result = await createLocalAuthenticator(database.db).authenticate('pam-only', '');
    assert.deepEqual(result, { ok: false, failure: { kind: 'invalid_credentials' } });
  } finally {
    await database.close();
  }
});
