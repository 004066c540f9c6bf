// Forwarding one request on the pool's connections: a request that may be sent again (a GET
// without a body) is retried once when its kept-alive connection turns out closed — and the
// retry goes on a new connection, not on another idle one that may be closed as well.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { forwardHttp } from './http-forward.js';
import { type PoolLimits, UpstreamPool } from './upstream-pool.js';

const LIMITS: PoolLimits = {
  idleTimeoutMs: 5000,
  maxSockets: 4,
  maxFreeSockets: 4,
  keepAliveMs: 60_000,
  maxHeaderBytes: 16 * 1024,
};

/**
 * A server that answers a connection's first request and, like an app that stopped listening
 * while the proxy kept its connections, cuts the connection at the next one.
 */
async function oneAnswerPerConnection() {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    let requests = 0;
    let pending = '';
    socket.on('data', (buf) => {
      pending += buf.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        if (++requests > 1) socket.resetAndDestroy();
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, connections: () => connections, close: () => server.close() };
}

describe('forwarding on kept-alive connections', () => {
  let upstream: Awaited<ReturnType<typeof oneAnswerPerConnection>>;
  let pool: UpstreamPool;
  let front: http.Server;
  let frontPort: number;
  const failures: Error[] = [];

  before(async () => {
    upstream = await oneAnswerPerConnection();
    pool = new UpstreamPool((done) => done(null, net.connect(upstream.port, '127.0.0.1')), LIMITS);
    front = http.createServer((req, res) => {
      forwardHttp({
        req,
        res,
        pool,
        requestTarget: req.url ?? '/',
        headers: ['Host', 'app'],
        hasBody: false,
        chunked: false,
        answerHeaders: (raw) => raw,
        received: 0,
        sent: 0,
        onActivity: () => {},
        onFail: (err) => {
          failures.push(err);
          res.writeHead(502).end(err.message);
        },
        onDone: () => {},
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontPort = (front.address() as net.AddressInfo).port;
  });
  after(() => {
    pool.destroy();
    front.close();
    upstream.close();
  });

  /** A GET through the forwarder on a connection of its own (no keep-alive on the front). */
  const get = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ port: frontPort, host: '127.0.0.1', path: '/x', agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString('latin1');
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });

  it('retries a GET whose idle connection was closed on a new connection, even with other idle ones', async () => {
    // Two at once: two connections, each answered once, both kept idle in the pool.
    const first = await Promise.all([get(), get()]);
    assert.deepEqual(
      first.map((r) => r.status),
      [200, 200],
    );
    assert.equal(upstream.connections(), 2);
    // The next GET takes an idle one, which is cut: its retry must not take the other idle one.
    const again = await get();
    assert.deepEqual(again, { status: 200, body: 'ok' });
    assert.equal(upstream.connections(), 3, 'the retry opened a new connection');
    assert.deepEqual(failures, []);
  });
});
