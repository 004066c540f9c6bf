// End to end through the gateway: the same journey as the hub's jupyterlab.e2e.test.ts —
// hpchub-alice logs in (PAM), starts JupyterLab as a Slurm job, runs `1+1`, stops it — but the hub
// reaches Slurm only through a real hpchub-slurm-gateway over HTTPS with a pinned certificate.
// The gateway runs as root in this test; the hub (also root here, for PAM) is given Slurm
// commands that cannot run (`bin_dir` that does not exist, a `command_prefix` of /bin/false), so
// any job it submitted itself would fail; the gateway's audit log shows it did the work instead.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateCertificate } from '@hpchub/agent';
import type { FastifyInstance } from 'fastify';
import {
  cancelJobs,
  hubJobIds,
  jobOf,
  queue,
  removeJobFiles,
  Session,
  startSlurmHub,
  waitFor,
} from '../../hub/src/spawn/slurm/test-support.js';
import type { TestHub } from '../../hub/src/test-support/hub.js';
import { kernelRunsAs } from '../../hub/src/test-support/jupyter.js';
import { testSystemUser, testSystemUsers } from '../../hub/src/test-support/system-users.js';
import { type AuditLine, TOKENS, testGateway } from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

describe('JupyterLab as a Slurm job, the hub using the slurm-gateway', () => {
  let gateway: FastifyInstance;
  let audit: AuditLine[];
  let hub: TestHub;
  let session: Session;
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-gateway-e2e-'));

  before(async () => {
    const certificate = generateCertificate({ commonName: 'hpchub-slurm-gateway', altNames: ['127.0.0.1'] });
    ({ app: gateway, audit } = await testGateway({
      https: { cert: certificate.certPem, key: certificate.keyPem },
    }));
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = gateway.server.address();
    if (!address || typeof address === 'string') throw new Error('the gateway is not listening');
    const tokenFile = join(dir, 'gateway-token');
    // A token without raw_script, limited to alice: the hub sends structured jobs only.
    writeFileSync(tokenFile, `${TOKENS.alice}\n`, { mode: 0o600 });
    hub = await startSlurmHub((config) => {
      config.slurm.gateway_url = `https://127.0.0.1:${address.port}`;
      config.slurm.gateway_token_file = tokenFile;
      config.slurm.gateway_fingerprint = certificate.fingerprint;
      // Were the hub to run a Slurm command itself, it would fail.
      config.slurm.bin_dir = join(dir, 'no-slurm-here');
      config.slurm.command_prefix = '/bin/false {user}';
    });
    session = await Session.login(hub, alice);
  });
  after(async () => {
    await session?.stop('').catch(() => undefined);
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    await gateway?.close();
    removeJobFiles(alice.home, ['']);
    rmSync(dir, { recursive: true, force: true });
  });

  test('start → ready → 1+1 through the proxy → stop, every Slurm call made by the gateway', async () => {
    const started = await session.start('', {
      app: 'jupyterlab',
      partition: 'normal',
      cores: 1,
      memory_gb: 1,
      hours: 1,
    });
    assert.equal(started.status, 202, started.text);
    const events = await session.progress(hub.url, '');
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events, null, 1));

    const job = await jobOf(hub, '');
    const entry = (await queue()).find((j) => j.id === job);
    assert.equal(entry?.user, alice.name, 'the job runs as the user');
    assert.equal(entry?.state, 'RUNNING');

    await kernelRunsAs(hub, alice.name);

    const stopped = await session.stop('');
    assert.equal(stopped.status, 204, stopped.text);
    assert.equal(
      await waitFor('the job state', 10_000, async () => (await queue()).find((j) => j.id === job)?.state),
      'CANCELLED',
    );

    const submit = audit.find((l) => l.what === 'submit' && l.job === job);
    assert.deepEqual(
      { who: submit?.who, for: submit?.for, result: submit?.result },
      // A structured submit by a token that may neither send raw scripts nor act for anyone but alice.
      { who: 'alice-only', for: [alice.name], result: 'ok' },
    );
    assert.ok(audit.some((l) => l.what === 'query' && l.result === 'ok' && l.for.includes(alice.name)));
    assert.ok(audit.some((l) => l.what === 'cancel' && l.job === job && l.result === 'ok'));
    assert.ok(
      audit.some((l) => l.what === 'cluster' && l.result === 'ok'),
      'the spawn form asked the gateway',
    );
  });
});
