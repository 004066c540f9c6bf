// Streams through the proxy, over real sockets: server-sent events reach the browser as they are
// sent, and a 100 MB download to a slow reader passes without the proxy holding it (a bound on
// the bytes in flight, not a time).
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

  it('streams a 100 MB download to a slow reader without holding it: backpressure reaches the app', async () => {
    const size = 100 * MiB;
    const sentBefore = scene.server.downloadSent();
    const res = await fetch(`${scene.hub.url}/user/ada/download?bytes=${size}`, { headers: { cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(size));
    let received = 0;
    let inFlight = 0;
    let nextPause = MiB;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      // Bytes the app has written that the reader has not got yet: socket buffers and the
      // proxy's stream buffers (a few MB), or nearly the whole body if the proxy buffered it
      // instead of pausing the app while the reader is slow.
      inFlight = Math.max(inFlight, scene.server.downloadSent() - sentBefore - received);
      if (received >= nextPause) {
        nextPause += MiB;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    assert.equal(received, size);
    assert.ok(inFlight < 32 * MiB, `${(inFlight / MiB).toFixed(1)} MB were in flight while streaming 100 MB`);
  });
});
