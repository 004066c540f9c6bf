// What follows an admin's change to an account, with a fake spawner standing in for the cluster:
// a user who is blocked or deleted loses their servers first (the jobs end, the proxy's routes
// go, usage is recorded as stopped by an admin), and a user whose servers are active keeps their
// name, because the addresses of those servers contain it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { agentReports, type PagesScene, startPagesHub } from '../test-support/pages.js';

describe('account changes stop what the user has running', () => {
  let scene: PagesScene;
  let admin: string;

  before(async () => {
    scene = await startPagesHub();
    await scene.hub.addUser('boss', { admin: true });
    admin = await scene.hub.tokenFor('boss', ['admin']);
  });
  after(() => scene.hub.stop());

  /** A user with these servers running ('' is the default server). */
  async function userWithServers(user: string, servers: string[]): Promise<void> {
    await scene.hub.addUser(user);
    const token = await scene.hub.tokenFor(user);
    for (const name of servers) {
      const path = name === '' ? `/users/${user}/server` : `/users/${user}/servers/${name}`;
      const res = await scene.hub.api('POST', path, { token, body: { user_options: { app: 'jupyterlab' } } });
      assert.ok(res.status === 201 || res.status === 202, `${path}: ${res.status} ${res.text}`);
      await agentReports(scene, user, name);
    }
  }

  const usage = (user: string) =>
    scene.hub.hub.db
      .selectFrom('usage_records')
      .select(['server_name', 'end_reason'])
      .where('user_name', '=', user)
      .orderBy('server_name')
      .execute();
  const routed = (user: string, server: string | null) =>
    scene.hub.running.app.proxy.routes.resolve(user, server) !== undefined;

  test('blocking a user stops every server of theirs', async () => {
    const jobsBefore = scene.spawner.liveJobs();
    await userWithServers('alice', ['', 'work']);
    assert.equal(scene.spawner.liveJobs(), jobsBefore + 2);
    assert.ok(routed('alice', null) && routed('alice', 'work'));

    const res = await scene.hub.api<{ blocked: boolean; servers: object }>('PATCH', '/users/alice', {
      token: admin,
      body: { blocked: true },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.blocked, true);
    assert.deepEqual(res.body.servers, {}, 'no server is active any more');
    assert.equal(scene.spawner.liveJobs(), jobsBefore, 'both jobs were stopped');
    assert.ok(!routed('alice', null) && !routed('alice', 'work'), 'and their routes removed');
    assert.deepEqual(await usage('alice'), [
      { server_name: '', end_reason: 'admin_stop' },
      { server_name: 'work', end_reason: 'admin_stop' },
    ]);
    assert.match(scene.hub.logText(), /"user":"alice","server":"work","reason":"admin_stop".*server stopped/);
  });

  test('deleting a user stops their servers before the account goes', async () => {
    const jobsBefore = scene.spawner.liveJobs();
    await userWithServers('bob', ['']);
    assert.equal(scene.spawner.liveJobs(), jobsBefore + 1);
    assert.equal((await scene.hub.api('DELETE', '/users/bob', { token: admin })).status, 204);
    assert.equal(scene.spawner.liveJobs(), jobsBefore, 'the job was stopped, not left running');
    assert.ok(!routed('bob', null));
    assert.deepEqual(await usage('bob'), [{ server_name: '', end_reason: 'admin_stop' }]);
    assert.equal((await scene.hub.api('GET', '/users/bob', { token: admin })).status, 404);
    const rows = await scene.hub.hub.db.selectFrom('servers').selectAll().execute();
    assert.equal(rows.filter((r) => r.status !== 'stopped').length, scene.spawner.liveJobs());
  });

  test('a user whose servers are active is not renamed; once they are stopped, they are', async () => {
    await userWithServers('carol', ['']);
    const refused = await scene.hub.api<{ code: string; validations: { field: string; message: string }[] }>(
      'PATCH',
      '/users/carol',
      { token: admin, body: { name: 'caroline', admin: true } },
    );
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'conflict');
    assert.deepEqual(refused.body.validations, [
      { field: 'name', message: 'Stop the servers of carol first: their addresses contain the username.' },
    ]);
    const unchanged = await scene.hub.api<{ name: string; admin: boolean }>('GET', '/users/carol', {
      token: admin,
    });
    assert.equal(unchanged.body.admin, false, 'nothing of the refused change was made');
    assert.ok(routed('carol', null), 'the server is still reachable at its address');

    assert.equal((await scene.hub.api('DELETE', '/users/carol/server', { token: admin })).status, 204);
    const renamed = await scene.hub.api<{ name: string }>('PATCH', '/users/carol', {
      token: admin,
      body: { name: 'caroline' },
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'caroline');
  });

  test('the admin page blocks through the same rules: the blocked user’s server stops', async () => {
    await scene.hub.addUser('root', { admin: true, password: 'root-password-1' });
    const root = await scene.hub.login('root', 'root-password-1');
    const jobsBefore = scene.spawner.liveJobs();
    await userWithServers('dave', ['']);
    const res = await root.postForm('/hub/admin/users/dave/block', {
      _xsrf: await root.csrfToken(),
      value: 'true',
    });
    assert.equal(res.status, 303);
    assert.equal(scene.spawner.liveJobs(), jobsBefore);
    assert.deepEqual(await usage('dave'), [{ server_name: '', end_reason: 'admin_stop' }]);
  });
});
