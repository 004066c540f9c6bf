// Routes of ready servers outlive the hub: the agent's secret is stored sealed with the server's
// route, and a hub that opens the same database (a restart) routes the server again at once,
// without its agent; with another cookie secret it cannot, and says which server to restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateCookieSecret } from '../auth/cookie-secret.js';
import { HubRoutes } from '../proxy/index.js';
import { agentOf, type PagesScene, serverIdOf, startPagesHub } from '../test-support/pages.js';
import { createSpawning } from './index.js';

describe('routes survive a restart', () => {
  let scene: PagesScene;
  let id = 0;
  let secret = '';
  before(async () => {
    scene = await startPagesHub();
    await scene.hub.addUser('ada');
    const started = await scene.hub.api('POST', '/users/ada/servers/analysis', {
      token: await scene.hub.tokenFor('ada'),
      body: { user_options: { app: 'jupyterlab' } },
    });
    assert.equal(started.status, 202, started.text);
    const agent = await agentOf(scene, 'ada', 'analysis');
    secret = agent.secret;
    await agent.ready();
    id = await serverIdOf(scene.hub, 'ada', 'analysis');
  });
  after(() => scene.hub.stop());

  /** The spawning service of a second hub on the same database, and the route table it fills. */
  async function reopen(cookieSecret: string) {
    const routes = new HubRoutes({ findUnrouted: async () => undefined, onRetired() {} });
    const spawning = await createSpawning({
      hub: scene.hub.hub,
      routes,
      cookieSecret,
      hubUrl: () => scene.hub.url,
      hubFingerprint: 'a'.repeat(64),
      spawner: scene.spawner,
    });
    await spawning.open();
    await spawning.close();
    return routes;
  }

  it('stores the route with the secret sealed, never in clear', async () => {
    const row = await scene.hub.hub.db
      .selectFrom('servers')
      .select(['route', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'running');
    assert.ok(row.route);
    assert.ok(!row.route.includes(secret), 'the secret is not in the database in clear');
    assert.equal(JSON.parse(row.route).url, 'https://127.0.0.1:9');
  });

  it('routes the server again when the hub opens the database anew', async () => {
    const cookieSecret = loadOrCreateCookieSecret(scene.hub.hub.config.data_dir, scene.hub.hub.log);
    const routes = await reopen(cookieSecret);
    const route = routes.resolve('ada', 'analysis');
    assert.equal(route?.id, id);
    assert.deepEqual(route?.target, { url: 'https://127.0.0.1:9', fingerprint: 'ab'.repeat(32), secret });
  });

  it('leaves the server unrouted, and says to restart it, when the cookie secret changed', async () => {
    const routes = await reopen('a-different-cookie-secret-0123456789');
    assert.equal(routes.resolve('ada', 'analysis'), undefined);
    assert.match(scene.hub.logText(), /restart the server to reach it again/);
  });
});
