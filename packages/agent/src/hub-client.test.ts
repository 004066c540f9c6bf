// Messages to the hub: retried while the hub is away or answers 5xx, never after another 4xx;
// an https hub with a self-signed certificate is pinned, and an impostor never sees the secret.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { AGENT_SECRET_HEADER, generateCertificate } from '@hpchub/protocol';
import { HubClient } from './hub-client.js';
import { createLogger } from './log.js';

const SECRET = 'the-server-secret-0123456789';
const servers: http.Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

/** A hub answering the scripted statuses in turn (then 200), recording what it received. */
async function hub(statuses: number[], tlsCert?: { certPem: string; keyPem: string }) {
  const seen: Array<{ url: string; secret: string | undefined; body: string }> = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', secret: req.headers[AGENT_SECRET_HEADER] as string | undefined, body });
      res.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' });
      res.end('{"message":"scripted answer"}');
    });
  };
  const server = tlsCert
    ? https.createServer({ cert: tlsCert.certPem, key: tlsCert.keyPem }, handler)
    : http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { seen, url: new URL(`${tlsCert ? 'https' : 'http'}://127.0.0.1:${port}/hub/api/agent/`) };
}

const quiet = createLogger(() => {});
const fast = { firstMs: 1, maxMs: 5 };

test('posts to the server’s path with the secret; retries 5xx and 429, stops at another 4xx', async () => {
  const h = await hub([503, 429, 200, 409]);
  const client = new HubClient(
    { hubUrl: h.url, hubFingerprint: undefined, secret: SECRET, serverId: '9' },
    quiet,
    fast,
  );
  assert.deepEqual(await client.send('progress', { message: 'Starting' }), { ok: true, status: 200 });
  assert.equal(h.seen.length, 3);
  assert.ok(h.seen.every((s) => s.url === '/hub/api/agent/servers/9/progress' && s.secret === SECRET));
  assert.deepEqual(JSON.parse(h.seen[0]?.body ?? ''), { message: 'Starting' });
  const refused = await client.send('ready', { host: 'h', port: 1, fingerprint: 'f' });
  assert.deepEqual(refused, { ok: false, status: 409, error: 'scripted answer' });
  assert.equal(h.seen.length, 4, 'a 409 is not retried');
});

test('gives up after the attempts it was given when the hub is unreachable', async () => {
  const h = await hub([]);
  const closed = servers.pop() as http.Server;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const client = new HubClient(
    { hubUrl: h.url, hubFingerprint: undefined, secret: SECRET, serverId: '9' },
    quiet,
    fast,
  );
  const answer = await client.send('heartbeat', { last_activity: null }, { attempts: 3 });
  assert.equal(answer.ok, false);
  assert.equal(answer.ok ? '' : answer.error, 'ECONNREFUSED');
});

test('pins an https hub’s certificate: the right one is used, an impostor never gets the secret', async () => {
  const cert = generateCertificate();
  const h = await hub([], cert);
  const pinned = new HubClient(
    { hubUrl: h.url, hubFingerprint: cert.fingerprint, secret: SECRET, serverId: '9' },
    quiet,
    fast,
  );
  assert.deepEqual(await pinned.send('stopping', { reason: 'signal', message: 'bye' }), {
    ok: true,
    status: 200,
  });
  assert.equal(h.seen.length, 1);

  const other = generateCertificate().fingerprint;
  const wrong = new HubClient(
    { hubUrl: h.url, hubFingerprint: other, secret: SECRET, serverId: '9' },
    quiet,
    fast,
  );
  const answer = await wrong.send('stopping', { reason: 'signal', message: 'bye' }, { attempts: 2 });
  assert.equal(answer.ok, false);
  assert.match(answer.ok ? '' : answer.error, /does not match HPCHUB_AGENT_HUB_FINGERPRINT/);
  assert.equal(h.seen.length, 1, 'nothing reached the server');

  const unpinned = new HubClient(
    { hubUrl: h.url, hubFingerprint: undefined, secret: SECRET, serverId: '9' },
    quiet,
    fast,
  );
  const untrusted = await unpinned.send('stopping', { reason: 'signal', message: 'bye' }, { attempts: 1 });
  assert.equal(untrusted.ok, false, 'without a pin, a self-signed hub certificate is refused');
  assert.equal(h.seen.length, 1);
});
