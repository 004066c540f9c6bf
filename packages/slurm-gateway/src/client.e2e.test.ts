// The hub's side: GatewaySlurmClient (in @hpchub/slurm) against a real gateway over HTTPS with a
// pinned self-signed certificate, on the real cluster — the SlurmClient conformance suite, and
// the pin itself (a wrong fingerprint stops the call before the token is sent).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateCertificate } from '@hpchub/protocol';
import { type Exec, execCommand, GatewaySlurmClient, SlurmError } from '@hpchub/slurm';
import { slurmClientConformance } from '@hpchub/slurm/test-support';
import type { FastifyInstance } from 'fastify';
import { ALICE, type AuditLine, BOB, TOKENS, testGateway } from './test-support.js';

async function listening(exec?: Exec) {
  const certificate = generateCertificate({ commonName: 'hpchub-slurm-gateway', altNames: ['127.0.0.1'] });
  const { app, audit } = await testGateway({
    https: { cert: certificate.certPem, key: certificate.keyPem },
    ...(exec ? { exec } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return { app, audit, url: `https://127.0.0.1:${address.port}`, fingerprint: certificate.fingerprint };
}

slurmClientConformance('GatewaySlurmClient through a real gateway on the real cluster', async () => {
  const gateway = await listening();
  return {
    client: new GatewaySlurmClient({
      url: gateway.url,
      token: TOKENS.admin,
      fingerprint: gateway.fingerprint,
    }),
    user: ALICE,
    otherUser: BOB,
    header: ['#SBATCH --output=/dev/null', '#SBATCH --chdir=/tmp', '#SBATCH --time=10', '#SBATCH --mem=100M'],
    patienceMs: 90_000,
    cleanup: () => gateway.app.close(),
  };
});

describe('GatewaySlurmClient pins the gateway’s certificate', () => {
  let app: FastifyInstance;
  let audit: AuditLine[];
  let url: string;
  let fingerprint: string;
  before(async () => {
    ({ app, audit, url, fingerprint } = await listening());
  });
  after(() => app.close());

  it('answers with the right fingerprint (colons and capitals allowed)', async () => {
    const pinned = fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const client = new GatewaySlurmClient({ url, token: TOKENS.readonly, fingerprint: pinned });
    const info = await client.clusterInfo();
    assert.ok(info.partitions.length >= 1);
  });

  it('refuses a gateway whose certificate does not match, before sending anything', async () => {
    const before = audit.length;
    const client = new GatewaySlurmClient({ url, token: TOKENS.admin, fingerprint: '00'.repeat(32) });
    await assert.rejects(
      client.clusterInfo(),
      (err: unknown) => err instanceof SlurmError && /pinned/.test(err.message),
    );
    // Audit lines of the test before may still arrive; none may come from this client's token.
    assert.ok(!audit.slice(before).some((l) => l.who === 'admin'), 'no request reached the gateway');
  });

  it('a token without the list endpoint: listJobs rejects as refused, which the hub takes as “cannot look”', async () => {
    const client = new GatewaySlurmClient({ url, token: TOKENS.readonly, fingerprint });
    await assert.rejects(
      client.listJobs(ALICE),
      (err: unknown) =>
        err instanceof SlurmError && err.kind === 'refused' && /list endpoint/.test(err.message),
    );
    assert.equal(audit.at(-1)?.what, 'list');
    assert.equal(audit.at(-1)?.status, 403);
  });

  it('a token the gateway does not know is an error, never a silent success', async () => {
    const client = new GatewaySlurmClient({ url, token: 'not-a-known-token-0000', fingerprint });
    await assert.rejects(client.clusterInfo(), SlurmError);
    const answers = await client.query([{ id: '1', user: ALICE }]);
    assert.equal(answers.get('1')?.kind, 'unknown');
  });
});

describe('GatewaySlurmClient says when a submission surely never reached Slurm', () => {
  // The gateway's sbatch answers as Slurm 22.05 does; every other command is the real one.
  let stderr = '';
  const exec: Exec = (argv, options) =>
    argv.some((a) => a.endsWith('sbatch'))
      ? Promise.resolve({ code: 1, stdout: '', stderr, timedOut: false })
      : execCommand(argv, options);
  let gateway: Awaited<ReturnType<typeof listening>>;
  before(async () => {
    gateway = await listening(exec);
  });
  after(() => gateway.app.close());

  const submit = (url: string) =>
    new GatewaySlurmClient({ url, token: TOKENS.admin, fingerprint: gateway.fingerprint }).submit({
      user: ALICE,
      script: '#!/bin/bash\nsleep 1\n',
    });
  const failure = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => assert.fail('the submission succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SlurmError, String(err));
    return err;
  };

  it('the controller could not be connected to: 503 slurm_not_reached, not sent', async () => {
    stderr =
      'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n';
    const err = await failure(submit(gateway.url));
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.notSent, true);
    assert.match(err.message, /could not be reached; nothing was sent/);
  });

  it('the controller took the request and did not answer: it may have the job', async () => {
    stderr = 'sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n';
    const err = await failure(submit(gateway.url));
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.notSent, false);
  });

  it('the gateway itself does not listen: not sent', async () => {
    // A port that was just free: nothing listens there.
    const spare = await listening();
    const url = spare.url;
    await spare.app.close();
    const err = await failure(submit(url));
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.notSent, true);
  });
});
