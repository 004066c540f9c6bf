// Connections to agents: the pinned fingerprint decides, and every connection shares one TLS
// context (found by bench:scale: one context per connection cost a restarted hub about a
// millisecond for each first request to each of 2,000 servers).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { openConnection, upstreamContext } from './connect.js';
import { type FakeServer, makeCertificate, startFakeServer } from './test-support.js';

const limits = {
  connectTimeoutMs: 5000,
  idleTimeoutMs: 0,
  websocketIdleTimeoutMs: 0,
  maxSockets: 16,
  maxFreeSockets: 16,
  keepAliveMs: 1000,
  maxHeaderBytes: 16_384,
};

describe('connections to an agent', () => {
  let agent: FakeServer;
  let fingerprint: string;
  before(async () => {
    const certificate = await makeCertificate('127.0.0.1');
    fingerprint = certificate.fingerprint;
    agent = await startFakeServer({ tls: certificate });
  });
  after(() => agent.close());

  const open = (pin: string) =>
    new Promise<Error | null>((resolve) =>
      openConnection(
        { tls: true, host: '127.0.0.1', port: agent.port, fingerprint: pin, secret: 's' },
        limits,
        (err, socket) => {
          socket?.destroy();
          resolve(err);
        },
      ),
    );

  it('are handed over when the certificate matches the pin, refused when it does not', async () => {
    assert.equal(await open(fingerprint), null);
    const err = await open('ab'.repeat(32));
    assert.match(String(err?.message), /does not match the pinned fingerprint \(got sha256 [0-9a-f]{64}\)/);
  });

  it('share one TLS context, however many there are', async () => {
    upstreamContext();
    const made = tls.createSecureContext;
    let contexts = 0;
    tls.createSecureContext = (...args) => {
      contexts += 1;
      return made(...args);
    };
    try {
      for (let i = 0; i < 5; i++) assert.equal(await open(fingerprint), null);
    } finally {
      tls.createSecureContext = made;
    }
    assert.equal(contexts, 0);
  });
});
