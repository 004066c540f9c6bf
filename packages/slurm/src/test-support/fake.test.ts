// The fake passes the conformance suite the real clients pass: directly, through the bridge that
// serves it to another process (asked by the slurm-gateway's client), and with a scheduler's queueing delay and an squeue that costs
// more the more jobs it holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateCertificate } from '@hpchub/protocol';
import { GatewaySlurmClient } from '@hpchub/slurm';
import { slurmClientConformance } from './conformance.js';
import { FakeSlurm } from './fake.js';
import { serveSlurm } from './remote.js';

slurmClientConformance('FakeSlurm', async () => ({
  client: new FakeSlurm(),
  user: 'alice',
  otherUser: 'bob',
  pollMs: 1,
}));

slurmClientConformance('FakeSlurm through the bridge, asked by the slurm-gateway client', async () => {
  const cert = generateCertificate({ altNames: ['127.0.0.1'] });
  const token = 'bridge-token-0123456789';
  const bridge = await serveSlurm(new FakeSlurm(), { ...cert, token, home: '/home/alice' });
  const client = new GatewaySlurmClient({ url: bridge.url, token, fingerprint: cert.fingerprint });
  return { client, user: 'alice', otherUser: 'bob', pollMs: 1, cleanup: bridge.close };
});

slurmClientConformance('FakeSlurm with queueing delays and a costly squeue', async () => {
  const slurm = new FakeSlurm({ queueDelayMs: () => 20, queryCost: { baseMs: 1, perJobMs: 0.1 } });
  return { client: slurm, user: 'alice', otherUser: 'bob', pollMs: 5, cleanup: async () => slurm.close() };
});

describe('FakeSlurm as a scheduler', () => {
  it('runs a job after its queueing delay without being asked, and tells the hooks when it runs and ends', async () => {
    const ran: string[] = [];
    const ended: string[] = [];
    const slurm = new FakeSlurm({
      queueDelayMs: () => 10,
      onRun: (job) => ran.push(job.id),
      onEnd: (job) => ended.push(job.id),
    });
    const id = await slurm.submit({ user: 'alice', script: '#!/bin/bash\nsleep 300\n' });
    const never = await slurm.submit({ user: 'alice', script: '#!/bin/bash\nsleep 300\n' });
    await slurm.cancel({ id: never, user: 'alice' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(ran, [id]);
    assert.equal(slurm.jobs.get(id)?.state, 'RUNNING');
    await slurm.cancel({ id, user: 'alice' });
    // A job cancelled while pending never ran, so nothing on a node ends for it.
    assert.deepEqual(ended, [id]);
    assert.equal(slurm.activeJobs, 0);
    slurm.close();
  });

  it('records every query with the jobs it held, and answers later the more it holds', async () => {
    const slurm = new FakeSlurm({ queueDelayMs: () => 60_000, queryCost: { baseMs: 0, perJobMs: 2 } });
    const refs = [];
    for (let i = 0; i < 30; i++)
      refs.push({ id: await slurm.submit({ user: 'alice', script: 'sleep 1' }), user: 'alice' });
    const t0 = performance.now();
    await slurm.query(refs.slice(0, 1));
    assert.ok(performance.now() - t0 >= 55, 'a query over 30 jobs waits 2 ms for each');
    assert.deepEqual(
      slurm.queries.map(({ asked, held }) => ({ asked, held })),
      [{ asked: 1, held: 30 }],
    );
    slurm.close();
  });
});
