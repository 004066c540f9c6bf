import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestHub } from '../test-support/hub.js';

describe('API root resources', () => {
  let hub: TestHub;
  before(async () => {
    hub = await TestHub.start();
  });
  after(() => hub.stop());

  test('health answers at /hub/api/health and at /hub/health, without authentication', async () => {
    assert.deepEqual((await hub.api('GET', '/health')).body, { status: 'ok', database: 'ok' });
    const res = await fetch(`${hub.url}/hub/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', database: 'ok' });
  });

  test('info needs a login and names the authenticator and database', async () => {
    assert.equal((await hub.api('GET', '/info')).status, 401);
    await hub.addUser('alice');
    const res = await hub.api<{ authenticator: { id: string }; database: { engine: string } }>(
      'GET',
      '/info',
      {
        token: await hub.tokenFor('alice'),
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.authenticator.id, 'local');
    assert.equal(res.body.database.engine, 'sqlite');
  });
});
