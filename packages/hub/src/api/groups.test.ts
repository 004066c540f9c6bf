import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GroupModel, UserModel } from '@hpchub/protocol';
import { TestHub } from '../test-support/hub.js';

describe('groups API', () => {
  let hub: TestHub;
  let admin: string;

  before(async () => {
    hub = await TestHub.start();
    await hub.addUser('boss', { admin: true });
    for (const n of ['ann', 'ben', 'cid']) await hub.addUser(n);
    admin = await hub.tokenFor('boss', ['admin']);
  });
  after(() => hub.stop());

  test('an admin creates a group, adds and removes members, and deletes it', async () => {
    const created = await hub.api<GroupModel>('POST', '/groups/physics', {
      token: admin,
      body: { users: ['ann'], description: 'Physics department' },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.users, ['ann']);

    const added = await hub.api<GroupModel>('POST', '/groups/physics/users', {
      token: admin,
      body: { users: ['ben', 'ann'] },
    });
    assert.deepEqual(added.body.users, ['ann', 'ben']);

    const ann = await hub.api<UserModel>('GET', '/users/ann', { token: admin });
    assert.deepEqual(ann.body.groups, ['physics']);

    const removed = await hub.api<GroupModel>('DELETE', '/groups/physics/users', {
      token: admin,
      body: { users: ['ann'] },
    });
    assert.deepEqual(removed.body.users, ['ben']);

    const list = await hub.api<GroupModel[]>('GET', '/groups', { token: admin });
    assert.deepEqual(
      list.body.map((g) => g.name),
      ['physics'],
    );

    assert.equal((await hub.api('DELETE', '/groups/physics', { token: admin })).status, 204);
    assert.equal((await hub.api('GET', '/groups/physics', { token: admin })).status, 404);
  });

  test('unknown members, bad names and duplicates are refused, and nothing is created', async () => {
    const unknown = await hub.api<{ validations: { message: string }[] }>('POST', '/groups/chem', {
      token: admin,
      body: { users: ['ann', 'zed'] },
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.validations[0]?.message ?? '', /zed/);
    assert.equal((await hub.api('GET', '/groups/chem', { token: admin })).status, 404);

    assert.equal((await hub.api('POST', '/groups/bad%20name', { token: admin })).status, 400);
    assert.equal((await hub.api('POST', '/groups/bio', { token: admin })).status, 201);
    assert.equal((await hub.api('POST', '/groups/bio', { token: admin })).status, 409);
    const noUsers = await hub.api('POST', '/groups/bio/users', { token: admin, body: {} });
    assert.equal(noUsers.status, 400);
  });
});
