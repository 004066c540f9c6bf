// Sharing a real server on the real Slurm cluster: hpchub-alice starts JupyterLab as a Slurm job
// and shares it with hpchub-bob through the REST API; bob's kernel runs code in her server over
// its WebSocket through the proxy (as alice: it is her server). She withdraws the share: bob's
// next request and WebSocket are refused, and the kernel WebSocket he holds open is closed, at
// once. Then a single-use share link: bob redeems it signed in, and it works no second time.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { ShareCodeModel } from '@hpchub/protocol';
import WebSocket from 'ws';
import {
  cancelJobs,
  hubJobIds,
  removeJobFiles,
  Session,
  startSlurmHub,
} from '../spawn/slurm/test-support.js';
import type { TestHub } from '../test-support/hub.js';
import { execute, type JupyterClient, startKernel } from '../test-support/jupyter.js';
import { testSystemUser, testSystemUsers } from '../test-support/system-users.js';

const users = testSystemUsers();
const alice = testSystemUser(users, 'hpchub-alice');
const bob = testSystemUser(users, 'hpchub-bob');

describe('sharing a JupyterLab server on Slurm', () => {
  let hub: TestHub;
  let owner: Session;
  let guest: Session;
  let client: JupyterClient;

  before(async () => {
    hub = await startSlurmHub();
    owner = await Session.login(hub, alice);
    guest = await Session.login(hub, bob);
    client = {
      base: `${hub.url}/user/${alice.name}/`,
      headers: { cookie: guest.browser.cookieHeader(), origin: hub.url },
    };
  });
  after(async () => {
    await owner?.stop('').catch(() => undefined);
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    removeJobFiles(alice.home, ['']);
  });

  const status = async () => (await fetch(`${client.base}api/status`, { headers: client.headers })).status;

  test('bob uses alice’s kernel after she shares, and not after she withdraws (HTTP and WebSocket)', async () => {
    const started = await owner.start('', {
      app: 'jupyterlab',
      partition: 'normal',
      cores: 1,
      memory_gb: 1,
      hours: 1,
    });
    assert.equal(started.status, 202, started.text);
    assert.equal((await owner.progress(hub.url, '')).at(-1)?.ready, true);
    assert.equal(await status(), 404);

    const shared = await owner.api('POST', `/shares/${alice.name}/`, { user: bob.name });
    assert.equal(shared.status, 200, shared.text);
    assert.equal(await status(), 200);
    const kernel = await startKernel(client);
    assert.equal(await execute(client, kernel, 'import getpass; getpass.getuser()'), `'${alice.name}'`);

    // A kernel WebSocket bob keeps open while she withdraws the share.
    const channels = `${client.base.replace(/^http/, 'ws')}api/kernels/${kernel}/channels?session_id=${randomUUID()}`;
    const open = new WebSocket(channels, { headers: client.headers });
    await once(open, 'open');
    const closed = once(open, 'close');

    const revoked = await owner.api('PATCH', `/shares/${alice.name}/`, { user: bob.name });
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal(await status(), 404);
    await assert.rejects(execute(client, kernel, '1+1', 10_000), /refused with 404/);
    await closed;
  });

  test('a single-use share link lets bob in once, and nobody after', async () => {
    const made = await owner.api<ShareCodeModel>('POST', `/share-codes/${alice.name}/`, {
      expires_in: 600,
      max_exchanges: 1,
    });
    assert.equal(made.status, 200, made.text);
    const code = made.body.code ?? '';
    const accepted = await guest.postForm('/hub/accept-share', { code });
    assert.equal(accepted.status, 303, accepted.text);
    assert.equal(accepted.headers.get('location'), `/user/${alice.name}/`);
    assert.equal(await status(), 200);
    const kernel = await startKernel(client);
    assert.equal(await execute(client, kernel, '6*7'), '42');
    assert.equal((await guest.postForm('/hub/accept-share', { code })).status, 404, 'used up');
    assert.equal((await owner.api('DELETE', `/shares/${alice.name}/`)).status, 204);
    assert.equal(await status(), 404);
  });
});
