// The hub answers agents over TLS on its own plain-HTTP port, with its own certificate (made once,
// mode 0600, the same after a restart): the agent API answers there, pinned; nothing else does.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PIN_MISMATCH, PROBE_PATH, pinnedRequest } from '@hpchub/protocol';
import { HUB_CERTIFICATE_FILE, loadOrCreateHubCertificate } from '../auth/hub-certificate.js';
import { TestHub } from '../test-support/hub.js';

describe('the agent API over TLS on the hub’s port', () => {
  let hub: TestHub;
  let fingerprint: string;
  const tlsUrl = (path: string) => new URL(`${hub.url.replace(/^http:/, 'https:')}${path}`);
  const get = (path: string, pin = fingerprint) =>
    pinnedRequest(tlsUrl(path), { method: 'GET', fingerprint: pin, timeoutMs: 10_000 });

  before(async () => {
    hub = await TestHub.start();
    fingerprint = loadOrCreateHubCertificate(hub.hub.config.data_dir, { warn() {} }).fingerprint;
  });
  after(() => hub.stop());

  test('the certificate is the hub’s own, 0600, and the same after a restart', async () => {
    const file = join(hub.hub.config.data_dir, HUB_CERTIFICATE_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await hub.restart();
    assert.equal(loadOrCreateHubCertificate(hub.hub.config.data_dir, { warn() {} }).fingerprint, fingerprint);
    const answer = await get(`/hub/api/agent${PROBE_PATH}`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal((JSON.parse(answer.text) as { hub: string }).hub, 'hpchub');
  });

  test('plain HTTP still serves everything on the same port', async () => {
    assert.equal((await fetch(`${hub.url}/hub/api`)).status, 200);
    assert.equal((await fetch(`${hub.url}/hub/login`)).status, 200);
  });

  test('over TLS only the agent API answers: pages, the REST API and the proxy are 404', async () => {
    for (const path of ['/hub/api', '/hub/login', '/user/alice/', '/hub/api/agent-not']) {
      assert.equal((await get(path)).status, 404, path);
    }
  });

  test('a client pinning another certificate never gets to send its request', async () => {
    await assert.rejects(get(`/hub/api/agent${PROBE_PATH}`, 'a'.repeat(64)), { code: PIN_MISMATCH });
  });
});
