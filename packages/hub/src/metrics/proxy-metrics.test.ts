// Traffic through the proxy reaches the metrics: a request answered by its server counts as 2xx
// with the bytes of both bodies, a 404 the proxy answers itself as 4xx with the bytes of its
// body, a WebSocket moves the open-WebSockets gauge up and down again and counts the bytes it
// carried, and a refused upgrade counts as a websocket 4xx. No user or path is ever a label.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { connectWebSocket, echo, ProxyScene } from '../proxy/test-support.js';
import { metricValue } from '../test-support/metric-values.js';

describe('proxy metrics', () => {
  let scene: ProxyScene;
  let ada: string;
  let bob: string;

  before(async () => {
    scene = await ProxyScene.start();
    ada = (await scene.login('ada')).cookieHeader();
    bob = (await scene.login('bob')).cookieHeader();
  });
  after(() => scene.close());

  const value = (name: string, labels: Record<string, string>, suffix: '' | '_count' = '') =>
    metricValue(scene.hub.metrics.registry, name, labels, suffix);
  const requests = (kind: string, status_class: string) =>
    value('hpchub_proxy_request_duration_seconds', { kind, status_class }, '_count');
  const bytes = (direction: 'received' | 'sent', kind: string, status_class: string) =>
    value(`hpchub_proxy_${direction}_bytes_total`, { kind, status_class });
  const openWebSockets = () => value('hpchub_proxy_websockets', {});

  it('counts a request answered by its server as 2xx, with the bytes of both bodies', async () => {
    const body = 'x'.repeat(1000);
    const res = await fetch(`${scene.hub.url}/user/ada/api/upload`, {
      method: 'POST',
      headers: { cookie: ada, 'content-type': 'text/plain' },
      body,
    });
    const answer = await res.text();
    assert.equal(res.status, 200);
    assert.equal(await requests('http', '2xx'), 1);
    assert.equal(await bytes('received', 'http', '2xx'), 1000);
    assert.equal(await bytes('sent', 'http', '2xx'), Buffer.byteLength(answer));
  });

  it('counts a 404 the proxy answers itself as 4xx, with the bytes of its body', async () => {
    const res = await scene.fetch('/user/ada/tree', { cookie: bob, accept: 'application/json' });
    assert.equal(res.status, 404);
    assert.equal(await requests('http', '4xx'), 1);
    assert.equal(await bytes('sent', 'http', '4xx'), Buffer.byteLength(res.text));
    assert.equal(await bytes('received', 'http', '4xx'), 0);
  });

  it('moves the open-WebSockets gauge when one opens and closes, and counts what it carried', async () => {
    const base = scene.hub.url.replace(/^http/, 'ws');
    const host = new URL(scene.hub.url).host;
    assert.equal(await openWebSockets(), 0);
    const ws = await connectWebSocket(`${base}/user/ada/api/kernels/k1/channels`, {
      cookie: ada,
      origin: `http://${host}`,
    });
    assert.ok(ws instanceof WebSocket);
    assert.equal(await openWebSockets(), 1);
    assert.equal(await requests('websocket', '1xx'), 1, 'the upgrade, answered 101');
    assert.equal(await echo(ws, 'hello'), 'hello');
    ws.close();
    if (ws.readyState !== WebSocket.CLOSED) await once(ws, 'close');
    for (let i = 0; i < 100 && (await openWebSockets()) !== 0; i++) await sleep(20);
    assert.equal(await openWebSockets(), 0);
    // A masked 5-byte text frame is 11 bytes from the browser, the echo 7 bytes to it (and the
    // close frames on top).
    assert.ok((await bytes('received', 'websocket', '1xx')) >= 11);
    assert.ok((await bytes('sent', 'websocket', '1xx')) >= 7);

    assert.equal(await connectWebSocket(`${base}/user/ada/ws`, { cookie: bob }), 404);
    assert.equal(await requests('websocket', '4xx'), 1, 'a refused upgrade');
    assert.equal(await openWebSockets(), 0);
  });

  it('labels nothing with a user, a server or a path', async () => {
    const text = await scene.hub.metrics.registry.metrics();
    assert.match(
      text,
      /hpchub_proxy_request_duration_seconds_bucket\{kind="http",status_class="2xx",le="0.001"\}/,
    );
    assert.doesNotMatch(text, /ada|bob|upload|kernels/);
  });
});
