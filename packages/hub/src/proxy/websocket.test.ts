// WebSockets through the proxy, over real sockets: the upgrade is authorized by the same rules as
// a request, a browser session may not be used from another site, messages flow both ways, and
// when either end closes the other end is closed too.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { shareServer } from '../shares/store.js';
import { connectWebSocket, echo, ProxyScene, SECRET } from './test-support.js';

async function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState !== WebSocket.CLOSED) await once(ws, 'close');
}

describe('WebSockets through the proxy', () => {
  let scene: ProxyScene;
  let base: string;
  let host: string;
  let ada: string;
  let bob: string;

  before(async () => {
    scene = await ProxyScene.start();
    base = scene.hub.url.replace(/^http/, 'ws');
    host = new URL(scene.hub.url).host;
    ada = (await scene.login('ada')).cookieHeader();
    bob = (await scene.login('bob')).cookieHeader();
  });
  after(() => scene.close());

  it('carries messages between the owner and her server, with the secret and without hub cookies', async () => {
    const ws = await connectWebSocket(`${base}/user/ada/api/kernels/k1/channels`, {
      cookie: `${ada}; app=1`,
      origin: `http://${host}`,
    });
    assert.ok(ws instanceof WebSocket);
    assert.equal(await echo(ws, 'hello'), 'hello');
    assert.equal(await echo(ws, 'x'.repeat(200_000)), 'x'.repeat(200_000));
    const upgrade = scene.server.seen.findLast((r) => r.method === 'UPGRADE');
    assert.equal(upgrade?.url, '/user/ada/api/kernels/k1/channels');
    assert.equal(upgrade?.headers['x-hpchub-agent-secret'], SECRET);
    assert.equal(upgrade?.headers.cookie, 'app=1');
    ws.close();
    await closed(ws);
  });

  it('refuses upgrades by the rules of requests: 404 for others, 401 without login or with a bad token', async () => {
    assert.equal(await connectWebSocket(`${base}/user/ada/ws`, { cookie: bob }), 404);
    assert.equal(await connectWebSocket(`${base}/user/nobody/ws`, { cookie: bob }), 404);
    assert.equal(await connectWebSocket(`${base}/user/ada/ws`, {}), 401);
    assert.equal(await connectWebSocket(`${base}/user/ada/ws`, { authorization: 'token hph_revoked' }), 401);
    const root = (await scene.login('root')).cookieHeader();
    assert.equal(await connectWebSocket(`${base}/user/ada/ws`, { cookie: root }), 404, 'admin access is off');
    const carol = (await scene.login('carol')).cookieHeader();
    assert.equal(await connectWebSocket(`${base}/user/ada/ws`, { cookie: carol }), 404);
    await shareServer(scene.db, scene.serverId, { userId: await scene.userId('carol') });
    scene.proxy.authorizer.forgetServer(scene.serverId);
    const shared = await connectWebSocket(`${base}/user/ada/ws`, { cookie: carol });
    assert.ok(shared instanceof WebSocket, 'a user the server is shared with gets through');
    shared.close();
    await closed(shared);
  });

  it('refuses a browser session used from another site, but not an API token', async () => {
    assert.equal(
      await connectWebSocket(`${base}/user/ada/ws`, { cookie: ada, origin: 'http://evil.example' }),
      403,
    );
    const token = await scene.hub.tokenFor('ada', ['servers']);
    const ws = await connectWebSocket(`${base}/user/ada/ws`, {
      authorization: `token ${token}`,
      origin: 'http://evil.example',
    });
    assert.ok(ws instanceof WebSocket);
    ws.close();
    await closed(ws);
  });

  it('closes the server side when the client goes, and the client side when the server goes', async () => {
    const first = await connectWebSocket(`${base}/user/ada/ws`, { cookie: ada });
    assert.ok(first instanceof WebSocket);
    assert.equal(await echo(first, 'ping'), 'ping');
    assert.equal(scene.proxy.proxy.stats().websockets, 1);
    first.terminate();
    while (scene.proxy.proxy.stats().websockets > 0 || scene.server.connections() > 0)
      await new Promise((r) => setTimeout(r, 10));

    const second = await connectWebSocket(`${base}/user/ada/ws`, { cookie: ada });
    assert.ok(second instanceof WebSocket);
    assert.equal(await echo(second, 'ping'), 'ping');
    const gone = closed(second);
    await scene.server.close();
    await gone;
    assert.equal(scene.proxy.proxy.stats().websockets, 0);
  });
});
