// `hpchub doctor` against a running hub and the real Slurm cluster: a working set-up (Slurm, and
// the local spawner) passes, and each broken one names its problem with the fix — Slurm's
// commands missing, a controller that refuses connections, an agent the user cannot read, a hub
// URL the job cannot reach, an expired certificate. The test jobs run as hpchub-alice and none
// is left behind. (A wrong gateway token: packages/slurm-gateway/src/doctor.e2e.test.ts.)
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateCertificate } from '@hpchub/protocol';
import { provisionSlurm, removeJobFiles } from '../spawn/slurm/test-support.js';
import { TestHub } from '../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../test-support/system-users.js';
import { DOCTOR_SERVER } from './test-job.js';
import { closedPort, doctor, leftoverDoctorJobs, slurmDoctorArgs } from './test-support.js';

describe('hpchub doctor on the real cluster', () => {
  const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
  let hub: TestHub;
  let scratch: string;
  /** The doctor's view of the running hub, with the Slurm spawner and alice for the test job. */
  let slurmArgs: string[];

  before(async () => {
    await provisionSlurm();
    hub = await TestHub.start();
    scratch = await mkdtemp(join(tmpdir(), 'hpchub-doctor-'));
    slurmArgs = slurmDoctorArgs(hub, alice.name);
  });
  after(async () => {
    await hub?.stop();
    await rm(scratch, { recursive: true, force: true });
    removeJobFiles(alice.home, [DOCTOR_SERVER]);
  });

  test('a working Slurm set-up passes: Slurm, hub URL, a test job as alice, agent, clock', async () => {
    const run = await doctor(slurmArgs);
    assert.equal(run.code, 0, run.out);
    assert.deepEqual(run.failures, []);
    for (const check of [
      'database',
      'agent bundle',
      'slurm',
      'hub url',
      'test job',
      'agent on the node',
      'hub url from the job',
      'clock skew',
    ])
      assert.match(run.out, new RegExp(`^ok {4}${check}: `, 'm'), check);
    assert.match(run.out, /ok {4}test job: ran as hpchub-alice.*\(Slurm job \d+\)/);
    assert.match(run.out, /All \d+ checks passed/);
    assert.deepEqual(await leftoverDoctorJobs(), []);
  });

  test('a working local set-up passes, the test job running as the hub user’s own account', async () => {
    const local = ['--data-dir', hub.hub.config.data_dir, '--spawner-hub-url', hub.url];
    // spawner.local_user's default, hpchub-{user}: the hub user alice runs as hpchub-alice.
    const run = await doctor([...local, '--user', 'alice']);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /ok {4}agent on the node: .* as hpchub-alice/);
    assert.match(run.out, /ok {4}hub url from the job/);
    const unnamed = await doctor(local);
    assert.match(unnamed.out, /WARN {2}test job: not run: each hub-only account runs as its own account/);
  });

  test('Slurm commands not where configured: named, with slurm.bin_dir as the fix', async () => {
    const run = await doctor([...slurmArgs, '--slurm-bin-dir', join(scratch, 'no-slurm-here')]);
    assert.equal(run.code, 1);
    assert.match(
      run.failures.join('\n'),
      /FAIL {2}slurm: the Slurm commands did not answer: .*could not run[\s\S]*fix: .*slurm\.bin_dir/,
    );
    assert.match(run.out, /FAIL {2}test job: not run/);
  });

  test('a Slurm controller that refuses connections: named, with how to check slurmctld', async () => {
    // The cluster's own slurm.conf, pointing at a port where no controller listens.
    const conf = (await readFile('/etc/slurm/slurm.conf', 'utf8')).replace(/^SlurmctldPort=.*$/m, '');
    await writeFile(join(scratch, 'slurm.conf'), `${conf}\nSlurmctldPort=${await closedPort()}\n`);
    const saved = process.env.SLURM_CONF;
    process.env.SLURM_CONF = join(scratch, 'slurm.conf');
    try {
      const run = await doctor(slurmArgs);
      assert.equal(run.code, 1);
      assert.match(
        run.failures.join('\n'),
        /FAIL {2}slurm: .*Unable to contact slurm controller[\s\S]*fix: start slurmctld/,
      );
    } finally {
      if (saved === undefined) delete process.env.SLURM_CONF;
      else process.env.SLURM_CONF = saved;
    }
  });

  test('an agent directory the user cannot read: named in the test job’s result', async () => {
    // mkdtemp makes the directory 0700 and root's: hpchub-alice cannot pass it.
    const run = await doctor([...slurmArgs, '--spawner-agent-dir', join(scratch, 'agent')]);
    assert.equal(run.code, 1, run.out);
    assert.match(run.failures.join('\n'), /FAIL {2}agent on the node: hpchub-alice cannot read the agent /);
    assert.match(run.failures.join('\n'), /fix: set spawner\.agent_dir to a directory every user can read/);
    assert.deepEqual(await leftoverDoctorJobs(), []);
  });

  test('a hub URL the job cannot reach: named, with spawner.hub_url as the fix', async () => {
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const run = await doctor([...slurmArgs, '--spawner-hub-url', nowhere]);
    assert.equal(run.code, 1);
    const failures = run.failures.join('\n');
    assert.match(
      failures,
      // Jobs reach an http:// hub URL over TLS, pinned to the hub's own certificate.
      new RegExp(
        `FAIL {2}hub url from the job: the job could not reach the hub at ${nowhere.replace('http:', 'https:')}`,
      ),
    );
    assert.match(failures, /fix: set spawner\.hub_url to an address of the hub that compute nodes reach/);
    assert.match(failures, /\.hpchub\/logs\/hpchub-doctor\.log/);
    assert.deepEqual(await leftoverDoctorJobs(), []);
  });

  test('an expired certificate: named with its date', async () => {
    const expired = generateCertificate({ altNames: ['127.0.0.1'], validDays: -0.01 });
    await writeFile(join(scratch, 'hub.crt'), expired.certPem);
    await writeFile(join(scratch, 'hub.key'), expired.keyPem, { mode: 0o600 });
    const run = await doctor([
      ...slurmArgs,
      '--no-job',
      '--tls-cert',
      join(scratch, 'hub.crt'),
      '--tls-key',
      join(scratch, 'hub.key'),
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.failures.join('\n'),
      /FAIL {2}tls certificate: .*hub\.crt expired on \d{4}-\d\d-\d\dT[\s\S]*fix: renew/,
    );
  });
});
