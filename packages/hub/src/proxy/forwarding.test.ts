// What crosses the proxy and what does not, over real sockets: the hub's credentials never
// reach a server, the secret always does, TLS to an agent only with the pinned certificate, a
// refusing server costs a 503 and no leaked sockets, and the hub can terminate TLS itself.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Certificate,
  type FakeServer,
  makeCertificate,
  ProxyScene,
  SECRET,
  startFakeServer,
} from './test-support.js';

/** A raw request (fetch may not set Connection), resolving to status, headers and body. */
function rawGet(
  url: string,
  headers: Record<string, string>,
  options: { agent?: http.Agent | false; ca?: Buffer } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      url,
      { headers, agent: options.agent ?? false, ...(options.ca ? { ca: options.ca } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
  });
}

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('proxy forwarding', () => {
  let scene: ProxyScene;
  let cookie: string;

  before(async () => {
    scene = await ProxyScene.start();
    cookie = (await scene.login('ada')).cookieHeader();
  });
  after(() => scene.close());

  it('passes the server its own cookies but never the hub’s, nor forged secrets or forwarding headers', async () => {
    const res = await rawGet(`${scene.hub.url}/user/ada/tree`, {
      cookie: `theme=dark; ${cookie}; hpchub-login-xsrf=x; _xsrf=app-token`,
      'x-hpchub-agent-secret': 'forged',
      'x-forwarded-for': '203.0.113.9',
      forwarded: 'for=203.0.113.9',
      connection: 'keep-alive, x-private',
      'x-private': 'hop-by-hop',
      'x-kept': 'end-to-end',
    });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.body).headers as Record<string, string>;
    assert.equal(seen.cookie, 'theme=dark; _xsrf=app-token');
    assert.equal(seen['x-hpchub-agent-secret'], SECRET);
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], new URL(scene.hub.url).host);
    assert.equal(seen.host, new URL(scene.hub.url).host);
    assert.equal(seen.forwarded, undefined);
    assert.equal(seen['x-private'], undefined);
    assert.equal(seen['x-kept'], 'end-to-end');
    assert.equal(seen.authorization, undefined);
  });

  it('drops a hub cookie the server tries to set, and keeps its own', async () => {
    const res = await rawGet(`${scene.hub.url}/user/ada/set-cookies`, { cookie });
    assert.deepEqual(res.headers['set-cookie'], ['app=1; Path=/']);
  });

  it('streams a request body to the server', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 'u');
    const res = await fetch(`${scene.hub.url}/user/ada/upload`, {
      method: 'POST',
      body,
      headers: { cookie },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { received: number }).received, body.length);
  });

  it('streams a chunked request body of unknown length, and answers HEAD without a body', async () => {
    const parts = Array.from({ length: 64 }, () => Buffer.alloc(16 * 1024, 'c'));
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${scene.hub.url}/user/ada/upload`,
        { method: 'PUT', headers: { cookie, 'transfer-encoding': 'chunked' }, agent: false },
        (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => {
            body += c;
          });
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      for (const part of parts) req.write(part);
      req.end();
    });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).received, 64 * 16 * 1024);
    const head = await fetch(`${scene.hub.url}/user/ada/tree`, { method: 'HEAD', headers: { cookie } });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('keeps answering when the server closes kept-alive connections between requests', async () => {
    // A server that answers, keeps the connection, then closes it while it is idle in the pool.
    const sockets = new Set<Socket>();
    const flaky = http.createServer((req, res) => {
      res.setHeader('content-length', '2');
      res.end('ok', () => setImmediate(() => req.socket.destroy()));
    });
    flaky.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const { port } = flaky.address() as { port: number };
    await scene.addServer('ada', 'flaky', { url: `http://127.0.0.1:${port}` });
    for (let i = 0; i < 5; i++) {
      const res = await rawGet(`${scene.hub.url}/user/ada/flaky/`, { cookie });
      assert.equal(res.status, 200);
      assert.equal(res.body, 'ok');
    }
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => flaky.close(resolve));
  });

  it('answers 503 when the server refuses connections, and keeps no socket', async () => {
    const gone = await startFakeServer();
    await gone.close();
    await scene.addServer('ada', 'gone', { url: gone.url });
    const page = await rawGet(`${scene.hub.url}/user/ada/gone/`, { cookie, accept: 'text/html' });
    assert.equal(page.status, 503);
    assert.match(page.body, /ada&#39;s server gone is not answering/);
    const before = tcpSockets();
    for (let i = 0; i < 200; i++) {
      const res = await rawGet(`${scene.hub.url}/user/ada/gone/api/x`, { cookie });
      assert.equal(res.status, 503);
      assert.equal(JSON.parse(res.body).code, 'unavailable');
    }
    assert.ok(tcpSockets() <= before + 2, `sockets grew from ${before} to ${tcpSockets()}`);
  });
});

describe('proxy to an agent over TLS', () => {
  let scene: ProxyScene;
  let cert: Certificate;
  let agent: FakeServer;
  let cookie: string;

  before(async () => {
    scene = await ProxyScene.start();
    cert = await makeCertificate();
    agent = await startFakeServer({ secret: 'tls-secret', tls: cert });
    cookie = (await scene.login('ada')).cookieHeader();
  });
  after(async () => {
    await agent.close();
    await scene.close();
  });

  it('connects when the certificate matches the pinned fingerprint, in either notation', async () => {
    const colons = (cert.fingerprint.toUpperCase().match(/../g) ?? []).join(':');
    await scene.addServer('ada', 'tls', {
      url: `https://localhost:${agent.port}`,
      fingerprint: colons,
      secret: 'tls-secret',
    });
    const res = await rawGet(`${scene.hub.url}/user/ada/tls/api/status`, { cookie });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).headers['x-hpchub-agent-secret'], 'tls-secret');
  });

  it('refuses a server whose certificate does not match, before sending it anything', async () => {
    const other = await makeCertificate();
    await scene.addServer('ada', 'impostor', {
      url: `https://127.0.0.1:${agent.port}`,
      fingerprint: other.fingerprint,
      secret: 'tls-secret',
    });
    const seenBefore = agent.seen.length;
    const res = await rawGet(`${scene.hub.url}/user/ada/impostor/api/status`, { cookie });
    assert.equal(res.status, 503);
    assert.equal(agent.seen.length, seenBefore, 'no request reached the impostor');
    assert.match(scene.hub.logText(), /does not match the pinned fingerprint/);
  });

  it('refuses routes that would send anything unencrypted off the machine, or https without a pin', async () => {
    const routes = scene.proxy.routes;
    const server = { id: 999, ownerId: await scene.userId('ada'), owner: 'ada', name: 'refused' };
    assert.throws(() => routes.add(server, { url: 'http://10.1.2.3:8888' }), /loopback only/);
    assert.throws(() => routes.add(server, { url: `https://localhost:${agent.port}` }), /fingerprint/);
    assert.equal(
      routes.resolve('ada', 'refused')?.name,
      '',
      'nothing was routed: the path stays the default server’s',
    );
  });
});

describe('a hub that terminates TLS itself', () => {
  let scene: ProxyScene;
  let cert: Certificate;
  let dir: string;

  before(async () => {
    cert = await makeCertificate('127.0.0.1');
    dir = await mkdtemp(join(tmpdir(), 'hpchub-tls-'));
    await writeFile(join(dir, 'hub.crt'), cert.cert);
    await writeFile(join(dir, 'hub.key'), cert.key, { mode: 0o600 });
    scene = await ProxyScene.start((config) => {
      config.tls.cert = join(dir, 'hub.crt');
      config.tls.key = join(dir, 'hub.key');
    });
  });
  after(async () => {
    await scene.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('proxies over HTTPS and tells the server so', async () => {
    assert.match(scene.hub.url, /^https:/);
    const token = await scene.hub.tokenFor('ada', ['servers']);
    const res = await rawGet(
      `${scene.hub.url}/user/ada/api/status`,
      { authorization: `token ${token}` },
      { ca: cert.cert },
    );
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).headers['x-forwarded-proto'], 'https');
  });
});
