// End to end through the gateway: the same journey as the hub's jupyterlab.e2e.test.ts —
// hpchub-alice logs in (PAM), starts JupyterLab as a Slurm job, runs `1+1`, stops it — but the hub
// reaches Slurm only through a real hpchub-slurm-gateway over HTTPS with a pinned certificate,
// and the hub runs without root: `hpchub start` in its own process as the system account
// hpchub-hub, whose only extra right is the group shadow (for PAM). The gateway, the privileged
// component, runs as root in this test. The hub is also given Slurm commands that cannot run
// (`bin_dir` that does not exist, a `command_prefix` of /bin/false), so any job it submitted
// itself would fail; the gateway's audit log shows it did the work instead.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { lookupSystemAccount } from '../../hub/src/auth/system-account.js';
import {
  cancelJobs,
  hubJobIds,
  jobOf,
  queue,
  removeJobFiles,
  Session,
  startSlurmHubProcess,
  waitFor,
} from '../../hub/src/spawn/slurm/test-support.js';
import { HUB_ACCOUNT, type HubProcess, runAsHubAccount } from '../../hub/src/test-support/hub-process.js';
import { kernelRunsAs } from '../../hub/src/test-support/jupyter.js';
import { testSystemUser, testSystemUsers } from '../../hub/src/test-support/system-users.js';
import { type AuditLine, listeningGateway, TOKENS } from './test-support.js';

const run = promisify(execFile);
const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

/** What sudo lets an account run, in sudo's words; null when sudo is not even installed. */
async function sudoRights(name: string): Promise<string | null> {
  try {
    return (await run('sudo', ['-n', '-l', '-U', name], { env: { ...process.env, LC_ALL: 'C' } })).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

describe('JupyterLab as a Slurm job, the hub using the slurm-gateway', () => {
  let gateway: FastifyInstance;
  let audit: AuditLine[];
  let hub: HubProcess;
  let session: Session;

  before(async () => {
    const listening = await listeningGateway();
    ({ app: gateway, audit } = listening);
    hub = await startSlurmHubProcess({
      // A token without raw_script, limited to alice: the hub sends structured jobs only.
      files: { 'gateway-token': `${TOKENS.alice}\n` },
      configure: (config) => {
        config.slurm.gateway_url = listening.url;
        config.slurm.gateway_token_file = join(config.data_dir, 'gateway-token');
        config.slurm.gateway_fingerprint = listening.fingerprint;
        // Were the hub to run a Slurm command itself, it would fail.
        config.slurm.bin_dir = join(config.data_dir, 'no-slurm-here');
        config.slurm.command_prefix = '/bin/false {user}';
      },
    });
    session = await Session.login(hub, alice);
  });
  after(async () => {
    try {
      await session?.stop('').catch(() => undefined);
      if (hub) await cancelJobs(await hubJobIds(hub));
    } finally {
      await hub?.stop();
      await gateway?.close();
      removeJobFiles(alice.home, ['']);
    }
  });

  test('the hub runs as hpchub-hub: not root, no capabilities, only the group shadow, no sudo rule', async () => {
    const account = await lookupSystemAccount(HUB_ACCOUNT);
    assert.ok(account, `${HUB_ACCOUNT} exists`);
    assert.notEqual(account.uid, 0);
    assert.notEqual(account.gid, 0);
    const shadow = Number((await run('getent', ['group', 'shadow'])).stdout.split(':')[2]);
    const identity = hub.identity();
    // Real, effective, saved and file-system ids: none of them root.
    assert.deepEqual(identity.uids, [account.uid, account.uid, account.uid, account.uid]);
    assert.deepEqual(identity.gids, [account.gid, account.gid, account.gid, account.gid]);
    assert.deepEqual(
      [...identity.groups].sort(),
      [account.gid, shadow].sort(),
      'its own group and shadow (for PAM), no other',
    );
    assert.equal(BigInt(`0x${identity.capEff}`), 0n, 'no effective capability');
    assert.equal(BigInt(`0x${identity.capPrm}`), 0n, 'no permitted capability');
    // What shadow is for: PAM and the hub's expired-account check read other users' entries.
    const entry = await runAsHubAccount(['getent', 'shadow', alice.name]);
    assert.match(entry.stdout, new RegExp(`^${alice.name}:\\$`));
    const sudo = await sudoRights(HUB_ACCOUNT);
    assert.ok(sudo === null || /is not allowed to run sudo/.test(sudo), `sudo -l says: ${sudo}`);
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
