// Streams through the proxy, over real sockets: server-sent events reach the browser as they are
// sent, and a 100 MB download passes without the proxy holding it (a memory bound, not a time).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProxyScene } from './test-support.js';

const MiB = 1024 * 1024;

describe('streaming through the proxy', () => {
  let scene: ProxyScene;
  let cookie: string;

  before(async () => {
    scene = await ProxyScene.start();
    cookie = (await scene.login('ada')).cookieHeader();
  });
  after(() => scene.close());

  it('passes server-sent events on one by one, while the stream stays open', async () => {
    const res = await fetch(`${scene.hub.url}/user/ada/api/events`, {
      headers: { cookie, accept: 'text/event-stream' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const next = async () => decoder.decode((await reader.read()).value);
    assert.equal(await next(), ': open\n\n');
    const stream = scene.server.eventStreams.at(-1);
    assert.ok(stream);
    for (const n of [1, 2, 3]) {
      stream.write(`data: ${n}\n\n`);
      assert.equal(await next(), `data: ${n}\n\n`);
    }
    await reader.cancel();
  });

  it('streams a 100 MB download without the proxy growing by more than a few MB', async () => {
    const size = 100 * MiB;
    const start = process.memoryUsage().rss;
    let peak = start;
    const res = await fetch(`${scene.hub.url}/user/ada/download?bytes=${size}`, { headers: { cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(size));
    let received = 0;
    let chunks = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      // The client, the proxy and the server share this process: a proxy that buffered the body
      // would show here as a growth near 100 MB.
      if (++chunks % 16 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal(received, size);
    const growth = (peak - start) / MiB;
    assert.ok(growth < 50, `memory grew by ${growth.toFixed(1)} MB while streaming 100 MB`);
  });
});
