// JupyterHub's scope names on tokens, and POST /users/{name}/activity as jupyterhub-singleuser
// sends it: what each may do, and every bad input a 400 that changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NewTokenModel, UserModel } from '@hpchub/protocol';
import { agentOf, type PagesScene, startPagesHub } from '../test-support/pages.js';

describe('JupyterHub scopes and the activity API', () => {
  let scene: PagesScene;
  let admin = '';
  let alice = '';
  before(async () => {
    scene = await startPagesHub();
    await scene.hub.addUser('boss', { admin: true });
    await scene.hub.addUser('alice');
    admin = await scene.hub.tokenFor('boss', ['admin']);
    alice = await scene.hub.tokenFor('alice');
    const res = await scene.hub.api('POST', '/users/alice/servers/analysis', {
      token: alice,
      body: { user_options: { app: 'jupyterlab' } },
    });
    assert.equal(res.status, 202, res.text);
    await (await agentOf(scene, 'alice', 'analysis')).ready();
  });
  after(() => scene.hub.stop());

  const token = async (owner: string, bearer: string, scopes: string[]) =>
    scene.hub.api<NewTokenModel>('POST', `/users/${owner}/tokens`, { token: bearer, body: { scopes } });

  test('an admin’s token with the culler’s scopes lists users and stops servers, and nothing more', async () => {
    const made = await token('boss', admin, [
      'list:users',
      'read:users:activity',
      'read:servers',
      'delete:servers',
    ]);
    assert.equal(made.status, 201, made.text);
    const culler = made.body.token;
    const users = await scene.hub.api<UserModel[]>('GET', '/users?state=ready', { token: culler });
    assert.equal(users.status, 200, users.text);
    assert.deepEqual(
      users.body.map((u) => u.name),
      ['alice'],
    );
    assert.equal(
      (await scene.hub.api('POST', '/users/alice/servers/other', { token: culler, body: {} })).status,
      404,
      'delete:servers does not start servers',
    );
    assert.equal((await scene.hub.api('DELETE', '/users/alice', { token: culler })).status, 404);
    assert.equal((await scene.hub.api('GET', '/users/alice/tokens', { token: culler })).status, 404);
  });

  test('JupyterHub’s admin scopes are for admins only; an unknown scope is named', async () => {
    const refused = await token('alice', alice, ['list:users']);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /list:users is for admins only/);
    const unknown = await token('boss', admin, ['read:users:name!user=alice']);
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /Unknown scope read:users:name!user=alice/);
    const own = await token('alice', alice, ['users:activity']);
    assert.equal(own.status, 201, 'users:activity on one’s own servers is for everyone');
  });

  test('activity moves the server’s and the user’s last_activity, never back', async () => {
    const at = new Date(Date.now() - 1000).toISOString();
    const res = await scene.hub.api('POST', '/users/alice/activity', {
      token: alice,
      body: { last_activity: at, servers: { analysis: { last_activity: at } } },
    });
    assert.equal(res.status, 204, res.text);
    const user = await scene.hub.api<UserModel>('GET', '/users/alice', { token: alice });
    assert.equal((user.body.servers.analysis as { last_activity: string }).last_activity >= at, true);
    const earlier = new Date(Date.now() - 3_600_000).toISOString();
    await scene.hub.api('POST', '/users/alice/activity', {
      token: alice,
      body: { servers: { analysis: { last_activity: earlier } } },
    });
    const again = await scene.hub.api<UserModel>('GET', '/users/alice', { token: alice });
    assert.equal(
      (again.body.servers.analysis as { last_activity: string }).last_activity,
      (user.body.servers.analysis as { last_activity: string }).last_activity,
    );
  });

  test('bad activity is a 400 that changes nothing', async () => {
    const before = await scene.hub.api<UserModel>('GET', '/users/alice', { token: alice });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    for (const [body, why] of [
      [{ last_activity: future }, /lies in the future/],
      [{ servers: { analysis: { last_activity: 'yesterday' } } }, /date-time|time/],
      [{ servers: { nope: { last_activity: new Date().toISOString() } } }, /no server named/],
      [
        { last_activity: new Date().toISOString(), servers: { analysis: { last_activity: future } } },
        /future/,
      ],
      [{}, /./],
    ] as const) {
      const res = await scene.hub.api('POST', '/users/alice/activity', { token: alice, body });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.match(res.text, why);
    }
    const after = await scene.hub.api<UserModel>('GET', '/users/alice', { token: alice });
    assert.deepEqual(after.body.last_activity, before.body.last_activity);
    assert.equal(
      (
        await scene.hub.api('POST', '/users/boss/activity', {
          token: alice,
          body: { last_activity: new Date().toISOString() },
        })
      ).status,
      404,
    );
  });
});
