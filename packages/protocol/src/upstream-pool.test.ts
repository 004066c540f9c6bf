// The forwarding hops' keep-alive pool toward one server: a connection goes back to the pool only when
// its last answer ended cleanly, so no byte of one answer can be read as part of the next.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type ExchangeHandlers,
  type PoolLimits,
  type UpstreamConnection,
  UpstreamPool,
} from './upstream-pool.js';

const LIMITS: PoolLimits = {
  idleTimeoutMs: 5000,
  maxSockets: 4,
  maxFreeSockets: 4,
  keepAliveMs: 60_000,
  maxHeaderBytes: 16 * 1024,
};

/** A raw server answering each request head with the answer for its path (`GET /ok`, …). */
async function rawServer(answers: Record<string, string>) {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    let pending = '';
    socket.on('data', (buf) => {
      pending += buf.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const path = pending.slice(0, end).split(' ')[1] ?? '';
        pending = pending.slice(end + 4);
        socket.write(answers[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, connections: () => connections, close: () => server.close() };
}

/** One GET on a connection from the pool; resolves with the body once the exchange ended. */
function get(pool: UpstreamPool, path: string): Promise<{ body: string; connection: UpstreamConnection }> {
  return new Promise((resolve, reject) => {
    pool.acquire((err, connection) => {
      if (err || !connection) return reject(err);
      let body = '';
      const handlers: ExchangeHandlers = {
        onHead: () => {},
        onBody: (chunk) => {
          body += chunk.toString('latin1');
          return true;
        },
        onEnd: () => resolve({ body, connection }),
        onError: reject,
      };
      connection.start(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, false, false, handlers);
    });
  });
}

describe('the upstream pool', () => {
  let server: Awaited<ReturnType<typeof rawServer>>;
  before(async () => {
    server = await rawServer({
      '/ok': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      '/junk':
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra',
    });
  });
  after(() => server.close());

  it('reuses a connection whose answer ended cleanly, and not one that sent bytes after its answer', async () => {
    const pool = new UpstreamPool((done) => done(null, net.connect(server.port, '127.0.0.1')), LIMITS);
    const first = await get(pool, '/ok');
    const second = await get(pool, '/ok');
    assert.equal(second.body, 'ok');
    assert.equal(second.connection, first.connection);
    assert.equal(server.connections(), 1);

    const junk = await get(pool, '/junk');
    assert.equal(junk.body, 'ok');
    assert.equal(junk.connection, first.connection);
    // The extra answer is neither passed on nor left for the next exchange to read.
    const after = await get(pool, '/ok');
    assert.equal(after.body, 'ok');
    assert.notEqual(after.connection, junk.connection);
    assert.equal(junk.connection.socket.destroyed, true);
    assert.equal(server.connections(), 2);
    pool.destroy();
  });

  /** Connects to the raw server after `delayMs`; failing the first `failures` times. */
  const connector = (delayMs: number, failures = 0) => {
    let calls = 0;
    const sockets: net.Socket[] = [];
    const connect: ConstructorParameters<typeof UpstreamPool>[0] = (done) => {
      calls++;
      const fail = calls <= failures;
      setTimeout(() => {
        if (fail) return done(new Error('refused'));
        sockets.push(net.connect(server.port, '127.0.0.1'));
        done(null, sockets.at(-1));
      }, delayMs);
    };
    return { connect, calls: () => calls, sockets };
  };
  const warm = (pool: UpstreamPool) =>
    new Promise<{ err: Error | null; opened: boolean }>((resolve) =>
      pool.warm((err, opened) => resolve({ err, opened })),
    );

  it('opens a connection ahead that the first exchange takes, and none when it has one', async () => {
    const before = server.connections();
    const { connect, calls } = connector(0);
    const pool = new UpstreamPool(connect, LIMITS);
    assert.deepEqual(await warm(pool), { err: null, opened: true });
    assert.deepEqual(await warm(pool), { err: null, opened: false });
    const first = await get(pool, '/ok');
    assert.equal(first.body, 'ok');
    assert.equal(calls(), 1);
    assert.deepEqual(await warm(pool), { err: null, opened: false });
    assert.equal((await get(pool, '/ok')).connection, first.connection);
    assert.equal(calls(), 1);
    assert.equal(server.connections() - before, 1);
    pool.destroy();
  });

  it('gives the connection being opened ahead to the exchange that comes meanwhile', async () => {
    const { connect, calls } = connector(50);
    const pool = new UpstreamPool(connect, LIMITS);
    const warmed = warm(pool);
    const answer = await get(pool, '/ok');
    assert.equal(answer.body, 'ok');
    assert.deepEqual(await warmed, { err: null, opened: true });
    assert.equal(calls(), 1);
    pool.destroy();
  });

  it('lets an exchange waiting for a connection opened ahead that failed open its own', async () => {
    const { connect, calls } = connector(20, 1);
    const pool = new UpstreamPool(connect, LIMITS);
    const warmed = warm(pool);
    const answer = get(pool, '/ok');
    assert.equal((await warmed).err?.message, 'refused');
    assert.equal((await answer).body, 'ok');
    assert.equal(calls(), 2);
    pool.destroy();
  });

  it('hands the slot of a connection that failed to open to an exchange waiting at maxSockets', {
    timeout: 5000,
  }, async () => {
    // Two slots, the first three attempts refused: the two exchanges beyond the slots wait, and
    // each gets a slot as an attempt fails, the last one a connection.
    const { connect, calls } = connector(10, 3);
    const pool = new UpstreamPool(connect, { ...LIMITS, maxSockets: 2 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => get(pool, '/ok')));
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value.body : (o.reason as Error).message)),
      ['refused', 'refused', 'refused', 'ok'],
    );
    assert.equal(calls(), 4);
    pool.destroy();
  });

  it('closes a connection opened ahead that nobody used, as a kept-alive one', async () => {
    const { connect, sockets } = connector(0);
    const pool = new UpstreamPool(connect, { ...LIMITS, keepAliveMs: 100 });
    assert.equal((await warm(pool)).opened, true);
    await new Promise((resolve) => sockets[0]?.once('close', resolve));
    assert.equal(pool.take(), undefined);
    pool.destroy();
  });

  it('opens nothing ahead when it keeps no idle connections, or was destroyed', async () => {
    const { connect, calls } = connector(0);
    const keepsNone = new UpstreamPool(connect, { ...LIMITS, maxFreeSockets: 0 });
    assert.deepEqual(await warm(keepsNone), { err: null, opened: false });
    const destroyed = new UpstreamPool(connect, LIMITS);
    destroyed.destroy();
    assert.deepEqual(await warm(destroyed), { err: null, opened: false });
    assert.equal(calls(), 0);
  });
});
