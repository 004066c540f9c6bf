// Who gets through the proxy to ada's server, over real sockets: ada herself, people she shared
// it with, an admin only when the hub allows it; everyone else sees the 404 of a server that does
// not exist, and someone not logged in is sent to log in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shareServer } from '../shares/store.js';
import { nowIso } from '../util/time.js';
import { type FakeServer, PASSWORD, ProxyScene, SECRET, startFakeServer } from './test-support.js';

const JSON_ACCEPT = { accept: 'application/json' };

describe('proxy access', () => {
  let scene: ProxyScene;
  let lab: FakeServer;

  before(async () => {
    scene = await ProxyScene.start();
    lab = await startFakeServer({ secret: 'lab-secret' });
    await scene.addServer('ada', 'lab', { url: lab.url, secret: 'lab-secret' });
    await scene.addServer('ada', 'old', undefined, 'stopped');
  });
  after(async () => {
    await lab.close();
    await scene.close();
  });

  it('lets the owner through to her server, with the path unchanged', async () => {
    const ada = await scene.login('ada');
    const res = await ada.get('/user/ada/tree/notes.ipynb?kernel=1');
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.text);
    assert.equal(seen.url, '/user/ada/tree/notes.ipynb?kernel=1');
    assert.equal(seen.headers['x-hpchub-agent-secret'], SECRET);
  });

  it('answers another user exactly as for a server that does not exist', async () => {
    const bob = await scene.login('bob');
    const denied = await bob.get('/user/ada/tree');
    const missing = await bob.get('/user/nobody/tree');
    assert.equal(denied.status, 404);
    assert.equal(denied.text, missing.text);
    const deniedJson = await bob.request('GET', '/user/ada/api/contents', { headers: JSON_ACCEPT });
    const missingJson = await bob.request('GET', '/user/nobody/api/contents', { headers: JSON_ACCEPT });
    assert.equal(deniedJson.status, 404);
    assert.deepEqual(JSON.parse(deniedJson.text), JSON.parse(missingJson.text));
    assert.equal(JSON.parse(deniedJson.text).code, 'not_found');
    // Not even whether a stopped server exists.
    assert.equal((await bob.get('/user/ada/old/')).text, missing.text);
    assert.equal(scene.server.seen.filter((r) => r.headers.cookie?.includes('bob')).length, 0);
  });

  it('refuses an admin while admin access is off', async () => {
    const root = await scene.login('root');
    assert.equal((await root.get('/user/ada/tree')).status, 404);
  });

  it('lets through a user the server is shared with, and members of a shared group', async () => {
    const carol = await scene.login('carol');
    const bob = await scene.login('bob');
    assert.equal((await carol.get('/user/ada/tree')).status, 404);

    await shareServer(scene.db, scene.serverId, { userId: await scene.userId('bob') });
    const group = await scene.db
      .insertInto('groups')
      .values({ name: 'physics', created: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await scene.db
      .insertInto('memberships')
      .values({ user_id: await scene.userId('carol'), group_id: group.id })
      .execute();
    await shareServer(scene.db, scene.serverId, { groupId: group.id });
    // What the sharing API will do after a change; until then the cache holds for auth_cache_seconds.
    scene.proxy.authorizer.forgetServer(scene.serverId);

    assert.equal((await bob.get('/user/ada/tree')).status, 200);
    assert.equal((await carol.get('/user/ada/tree')).status, 200);
    // Sharing the default server shares nothing else.
    assert.equal((await bob.get('/user/ada/lab/tree')).status, 404);
  });

  it('sends a browser that is not logged in to the login page, and answers programs 401', async () => {
    const page = await scene.fetch('/user/ada/tree?x=1', { accept: 'text/html' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), `/hub/login?next=${encodeURIComponent('/user/ada/tree?x=1')}`);
    const api = await scene.fetch('/user/ada/api/kernels', { accept: 'text/html' });
    assert.equal(api.status, 401);
    assert.equal(JSON.parse(api.text).code, 'unauthorized');
    assert.equal((await scene.fetch('/user/ada/tree', JSON_ACCEPT)).status, 401);
    // Not logged in, nobody learns whether a server exists: the same answer for a missing one.
    assert.equal((await scene.fetch('/user/nobody/tree', { accept: 'text/html' })).status, 302);
  });

  it('accepts API tokens with the servers scope and strips them; refuses bad ones with 401', async () => {
    const token = await scene.hub.tokenFor('ada', ['servers']);
    const ok = await scene.fetch('/user/ada/api/status', { authorization: `token ${token}` });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.text).headers.authorization, undefined);
    const bearer = await scene.fetch('/user/ada/api/status', { authorization: `Bearer ${token}` });
    assert.equal(bearer.status, 200);

    const narrow = await scene.hub.tokenFor('ada', ['tokens']);
    assert.equal(
      (await scene.fetch('/user/ada/api/status', { authorization: `token ${narrow}` })).status,
      404,
    );

    const bad = await scene.fetch('/user/ada/api/status', { authorization: 'token hph_not-a-token' });
    assert.equal(bad.status, 401);
    assert.equal(JSON.parse(bad.text).code, 'invalid_token');
  });

  it("leaves an app's own token to the session cookie (JupyterLab echoes Jupyter's), and strips it", async () => {
    const cookie = (await scene.login('ada')).cookieHeader();
    const res = await scene.fetch('/user/ada/api/status', {
      cookie,
      authorization: 'token 3f9c0a-the-apps-own',
    });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).headers.authorization, undefined);
    const alone = await scene.fetch('/user/ada/api/status', {
      authorization: 'token 3f9c0a-the-apps-own',
      ...JSON_ACCEPT,
    });
    assert.equal(alone.status, 401);
  });

  it('ends proxy access at logout, not when the cache expires', async () => {
    const ada = await scene.login('ada');
    const cookie = ada.cookieHeader();
    assert.equal((await scene.fetch('/user/ada/tree', { cookie })).status, 200);
    const xsrf = await ada.csrfToken();
    assert.equal((await ada.postForm('/hub/logout', { _xsrf: xsrf })).status, 303);
    const after = await scene.fetch('/user/ada/tree', { cookie, accept: 'text/html' });
    assert.equal(after.status, 302);
    assert.match(after.headers.get('location') ?? '', /^\/hub\/login/);
  });

  it('ends proxy access at once when an admin blocks the user, not when the cache expires', async () => {
    await shareServer(scene.db, scene.serverId, { userId: await scene.userId('carol') });
    scene.proxy.authorizer.forgetServer(scene.serverId);
    const cookie = (await scene.login('carol')).cookieHeader();
    const token = await scene.hub.tokenFor('carol', ['servers']);
    assert.equal((await scene.fetch('/user/ada/tree', { cookie })).status, 200);
    assert.equal((await scene.fetch('/user/ada/tree', { authorization: `token ${token}` })).status, 200);
    const admin = await scene.hub.tokenFor('root', ['admin']);
    const blocked = await scene.hub.api('PATCH', '/users/carol', { token: admin, body: { blocked: true } });
    assert.equal(blocked.status, 200);
    const page = await scene.fetch('/user/ada/tree', { cookie, accept: 'text/html' });
    assert.equal(page.status, 302);
    assert.match(page.headers.get('location') ?? '', /^\/hub\/login/);
    const api = await scene.fetch('/user/ada/tree', { authorization: `token ${token}` });
    assert.equal(api.status, 401);
    assert.equal(JSON.parse(api.text).code, 'invalid_token');
    // ada's server, which carol could reach, runs on.
    assert.equal((await (await scene.login('ada')).get('/user/ada/tree')).status, 200);
  });

  it('takes a path segment for a named server only when the user has one by that name', async () => {
    const ada = await scene.login('ada');
    const named = JSON.parse((await ada.get('/user/ada/lab/tree')).text);
    assert.equal(named.url, '/user/ada/lab/tree');
    assert.equal(named.headers['x-hpchub-agent-secret'], 'lab-secret');
    // `other` is not a server of ada's: the path belongs to her default server.
    const other = JSON.parse((await ada.get('/user/ada/other/tree')).text);
    assert.equal(other.headers['x-hpchub-agent-secret'], SECRET);
    // `old` is, and it is stopped: it does not fall through to the default server.
    assert.equal((await ada.get('/user/ada/old/tree')).status, 503);

    const bare = await ada.get('/user/ada/lab?x=1');
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), '/user/ada/lab/?x=1');
    assert.equal((await ada.get('/user/ada')).headers.get('location'), '/user/ada/');
  });

  it('shows a stopped server as not running, with a way to start it, and answers programs 503', async () => {
    const ada = await scene.login('ada');
    const page = await ada.get('/user/ada/old/lab');
    assert.equal(page.status, 503);
    assert.match(page.text, /ada&#39;s server old is not running/);
    assert.match(page.text, /href="\/hub\/spawn\/ada\/old\?next=%2Fuser%2Fada%2Fold%2Flab">Start it</);
    const api = await ada.request('GET', '/user/ada/old/api/status', { headers: JSON_ACCEPT });
    assert.equal(api.status, 503);
    assert.deepEqual(JSON.parse(api.text), {
      code: 'unavailable',
      message: "ada's server old is not running.",
    });

    // A default server that was never started, and a running one without a route yet.
    const bob = await scene.login('bob');
    assert.match((await bob.get('/user/bob/')).text, /href="\/hub\/spawn\/bob\?next=%2Fuser%2Fbob%2F"/);
    await scene.addServer('bob', 'booting', undefined, 'running');
    assert.equal((await bob.get('/user/bob/booting/')).status, 503);
  });
});

describe('proxy access for admins when admin access is on', () => {
  let scene: ProxyScene;
  before(async () => {
    scene = await ProxyScene.start((config) => {
      config.proxy.admin_access = true;
    });
  });
  after(() => scene.close());

  it('lets an admin through, with a session or an admin token, but not other users', async () => {
    const root = await scene.hub.login('root', PASSWORD);
    assert.equal((await root.get('/user/ada/tree')).status, 200);
    const adminToken = await scene.hub.tokenFor('root', ['admin']);
    assert.equal((await scene.fetch('/user/ada/tree', { authorization: `token ${adminToken}` })).status, 200);
    const selfToken = await scene.hub.tokenFor('root', ['self']);
    assert.equal((await scene.fetch('/user/ada/tree', { authorization: `token ${selfToken}` })).status, 404);
    const bob = await scene.login('bob');
    assert.equal((await bob.get('/user/ada/tree')).status, 404);
  });
});
