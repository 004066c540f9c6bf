// Routes of ready servers outlive the hub: the agent's secret is stored sealed with the server's
// route, and a hub that opens the same database (a restart) routes the server again at once,
// without its agent; with another cookie secret it cannot, and says which server to restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadOrCreateCookieSecret } from '../auth/cookie-secret.js';
import { HubRoutes } from '../proxy/index.js';
import { agentOf, type PagesScene, serverIdOf, startPagesHub } from '../test-support/pages.js';
import { createSpawning, type Spawner } from './index.js';

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
  async function reopen(cookieSecret: string, spawner: Spawner = scene.spawner) {
    const routes = new HubRoutes({ findUnrouted: async () => undefined, onRetired() {} });
    const spawning = await createSpawning({
      hub: scene.hub.hub,
      routes,
      cookieSecret,
      hubUrl: () => scene.hub.url,
      hubFingerprint: 'a'.repeat(64),
      spawner,
    });
    await spawning.open();
    return { routes, spawning };
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
    const { routes, spawning } = await reopen(cookieSecret);
    await spawning.close();
    const route = routes.resolve('ada', 'analysis');
    assert.equal(route?.id, id);
    assert.deepEqual(route?.target, { url: 'https://127.0.0.1:9', fingerprint: 'ab'.repeat(32), secret });
  });

  it('routes the server before the scheduler has answered the first poll (a slow squeue does not delay serving)', async () => {
    const cookieSecret = loadOrCreateCookieSecret(scene.hub.hub.config.data_dir, scene.hub.hub.log);
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let asked = 0;
    let sent: () => void = () => {};
    const polled = new Promise<void>((resolve) => {
      sent = resolve;
    });
    const slow: Spawner = {
      ...scene.spawner,
      pollMany: async (states) => {
        asked += 1;
        sent();
        await answered;
        return scene.spawner.pollMany(states);
      },
    };
    const opening = reopen(cookieSecret, slow);
    await polled;
    // open() returns although the scheduler has not answered (nor will until told to).
    const opened = await Promise.race([opening, sleep(5000).then(() => undefined)]);
    if (!opened) answer();
    assert.ok(opened, 'open() returned before the first poll was answered');
    const { routes, spawning } = opened;
    assert.equal(routes.resolve('ada', 'analysis')?.id, id, 'routed while the poll is unanswered');
    let closed = false;
    const closing = spawning.close().then(() => {
      closed = true;
    });
    await sleep(50);
    assert.equal(closed, false, 'closing waits for the poll in flight');
    answer();
    await closing;
    assert.equal(asked, 1, 'no poll after close');
  });

  it('leaves the server unrouted, and says to restart it, when the cookie secret changed', async () => {
    const { routes, spawning } = await reopen('a-different-cookie-secret-0123456789');
    await spawning.close();
    assert.equal(routes.resolve('ada', 'analysis'), undefined);
    assert.match(scene.hub.logText(), /restart the server to reach it again/);
  });
});
