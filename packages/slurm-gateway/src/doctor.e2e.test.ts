// `hpchub doctor` for a hub that reaches Slurm through the slurm-gateway: with the right token
// its test job goes through the gateway (a structured job with the probe) and passes; with a
// wrong token the doctor says the gateway refused the token and where it is configured.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DOCTOR_SERVER } from '../../hub/src/doctor/test-job.js';
import { doctor, leftoverDoctorJobs, slurmDoctorArgs } from '../../hub/src/doctor/test-support.js';
import { provisionSlurm, removeJobFiles } from '../../hub/src/spawn/slurm/test-support.js';
import { TestHub } from '../../hub/src/test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../hub/src/test-support/system-users.js';
import { type AuditLine, listeningGateway, TOKENS } from './test-support.js';

describe('hpchub doctor with the slurm-gateway', () => {
  const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
  let gateway: FastifyInstance;
  let audit: AuditLine[];
  let hub: TestHub;
  let dir: string;
  let args: (token: string) => Promise<string[]>;

  before(async () => {
    await provisionSlurm();
    const listening = await listeningGateway();
    ({ app: gateway, audit } = listening);
    hub = await TestHub.start();
    dir = await mkdtemp(join(tmpdir(), 'hpchub-doctor-gateway-'));
    args = async (token) => {
      const file = join(dir, 'gateway-token');
      await writeFile(file, `${token}\n`, { mode: 0o600 });
      return [
        ...slurmDoctorArgs(hub, alice.name),
        '--slurm-gateway-url',
        listening.url,
        '--slurm-gateway-fingerprint',
        listening.fingerprint,
        '--slurm-gateway-token-file',
        file,
        // Were the doctor to run a Slurm command itself, it would fail.
        '--slurm-bin-dir',
        join(dir, 'no-slurm-here'),
      ];
    };
  });
  after(async () => {
    await hub?.stop();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
    removeJobFiles(alice.home, [DOCTOR_SERVER]);
  });

  test('with the gateway’s token, the test job goes through the gateway and passes', async () => {
    const run = await doctor(await args(TOKENS.alice));
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /ok {4}slurm: the slurm-gateway at https:\/\/127\.0\.0\.1:\d+ answer/);
    assert.match(run.out, /ok {4}hub url from the job/);
    assert.ok(
      audit.some((a) => a.what === 'submit' && a.result === 'ok' && a.for.includes(alice.name)),
      'the gateway submitted the test job',
    );
    assert.deepEqual(await leftoverDoctorJobs(), []);
  });

  test('a wrong token: the doctor says the gateway refused it, and where it is set', async () => {
    const run = await doctor(await args('wrong-token-0123456789abcdef'));
    assert.equal(run.code, 1);
    const failures = run.failures.join('\n');
    assert.match(failures, /FAIL {2}slurm: the slurm-gateway at .* did not answer: .*bearer token/);
    assert.match(failures, /fix: the gateway refused the token in slurm\.gateway_token_file/);
    assert.doesNotMatch(run.out, /wrong-token-0123456789abcdef/);
  });
});
