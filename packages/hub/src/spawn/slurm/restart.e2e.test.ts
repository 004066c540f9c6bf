// The real `hpchub start` process, on the Slurm spawner, killed with SIGKILL while one of
// hpchub-alice's servers runs and another waits in the queue behind hpchub-bob's job. Started
// again, the hub re-adopts both from its database: the running one answers at once (same job),
// the queued one becomes ready when bob's job is cancelled. No job is left that the hub does not
// know, and stopping both empties the queue.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readEvents } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import type { ProgressEvent } from '../progress.js';
import {
  activeJobs,
  cancelJobs,
  jobState,
  nodeCpus,
  provisionSlurm,
  removeJobFiles,
  requireJupyter,
  submitBlocker,
  VENV_BIN,
  waitFor,
} from './test-support.js';

const BIN = fileURLToPath(new URL('../../../bin/hpchub.js', import.meta.url));
const users = testSystemUsers();
const alice = testSystemUser(users, 'hpchub-alice');
const bob = testSystemUser(users, 'hpchub-bob');
const SERVERS = ['first', 'second'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** alice's hpchub jobs in the queue, by the server named in their comment. */
async function aliceJobs(): Promise<Map<string, { id: string; state: string }>> {
  const jobs = (await activeJobs()).filter(
    (j) => j.user === alice.name && j.comment.startsWith('hpchub-server-'),
  );
  return new Map(
    // hpchub-server-<id>-<name>.<hub id>
    jobs.map((j) => [
      j.comment.replace(/^hpchub-server-\d+-/, '').replace(/\.[0-9a-f]+$/, ''),
      { id: j.id, state: j.state },
    ]),
  );
}

describe('a Slurm hub killed with SIGKILL and started again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-slurm-restart-'));
  let port: number;
  let hub: ChildProcess | undefined;
  let token = '';
  const blockers: string[] = [];
  const seen = new Set<string>();
  const args = () => [
    '--data-dir',
    dir,
    '--port',
    String(port),
    '--auth-authenticator',
    'pam',
    '--spawner-kind',
    'slurm',
    '--spawner-path-prepend',
    VENV_BIN,
    '--spawner-poll-interval-seconds',
    '1',
    '--spawner-start-timeout-seconds',
    '120',
  ];

  async function startHub(): Promise<void> {
    const proc = spawn(process.execPath, [BIN, 'start', ...args()], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    hub = proc;
    for (let i = 0; i < 400; i++) {
      if (proc.exitCode !== null) throw new Error(`hpchub start exited with ${proc.exitCode}`);
      if (
        await fetch(`http://127.0.0.1:${port}/hub/api`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(50);
    }
    throw new Error('the hub did not answer');
  }

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${port}/hub/api${path}`, {
      method,
      headers: { authorization: `token ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const progress = (server: string, until: (e: ProgressEvent) => boolean) =>
    readEvents<ProgressEvent>(
      `http://127.0.0.1:${port}/hub/api/users/${alice.name}/servers/${server}/progress`,
      { authorization: `token ${token}` },
      { until, timeoutMs: 180_000 },
    );

  before(async () => {
    requireJupyter();
    await provisionSlurm();
    port = await freePort();
    execFileSync(process.execPath, [BIN, 'user', 'add', alice.name, '--no-password', '--data-dir', dir]);
    token = execFileSync(process.execPath, [BIN, 'token', 'create', alice.name, ...args()], {
      encoding: 'utf8',
    }).trim();
    await startHub();
  });

  after(async () => {
    await cancelJobs(blockers);
    if (hub && hub.exitCode === null) {
      for (const server of SERVERS)
        await api('DELETE', `/users/${alice.name}/servers/${server}`).catch(() => undefined);
      hub.kill('SIGTERM');
      await new Promise((r) => hub?.once('exit', r));
    }
    for (const { id } of (await aliceJobs()).values()) seen.add(id);
    await cancelJobs([...seen]);
    rmSync(dir, { recursive: true, force: true });
    removeJobFiles(alice.home, SERVERS);
  });

  test('re-adopts the running and the queued server; the queued one becomes ready; nothing is orphaned', async () => {
    // One server running, the rest of the node taken by bob, a second server queued behind him.
    const first = await api('POST', `/users/${alice.name}/servers/first`, {
      user_options: { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 },
    });
    assert.equal(first.status, 202, await first.text());
    assert.equal((await progress('first', (e) => Boolean(e.ready || e.failed))).at(-1)?.ready, true);
    const blocker = await submitBlocker(bob.name, nodeCpus() - 1);
    blockers.push(blocker);
    await waitFor('bob’s job to run', 60_000, async () =>
      (await jobState(blocker)) === 'RUNNING' ? true : undefined,
    );
    const second = await api('POST', `/users/${alice.name}/servers/second`, {
      user_options: { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 },
    });
    assert.equal(second.status, 202, await second.text());
    await progress('second', (e) => /^Waiting in the queue/.test(e.message) || Boolean(e.ready || e.failed));

    const before = await aliceJobs();
    for (const { id } of before.values()) seen.add(id);
    assert.equal(before.get('first')?.state, 'RUNNING');
    assert.equal(before.get('second')?.state, 'PENDING');

    hub?.kill('SIGKILL');
    await new Promise((r) => hub?.once('exit', r));
    assert.deepEqual(await aliceJobs(), before, 'the jobs outlive the hub');

    await startHub();
    const status = await fetch(`http://127.0.0.1:${port}/user/${alice.name}/first/api/status`, {
      headers: { authorization: `token ${token}` },
    });
    assert.equal(status.status, 200, 'the running server answers right after the restart');
    const user = (await (await api('GET', `/users/${alice.name}`)).json()) as {
      servers: Record<string, { ready: boolean; pending: string | null }>;
    };
    assert.equal(user.servers.first?.ready, true);
    assert.equal(user.servers.second?.pending, 'spawn');
    const resumed = await progress(
      'second',
      (e) => /^Waiting in the queue/.test(e.message) || Boolean(e.ready || e.failed),
    );
    assert.ok(
      resumed.some((e) => /hub restarted/.test(e.message)),
      JSON.stringify(resumed.map((e) => e.message)),
    );

    await cancelJobs([blocker]);
    const events = await progress('second', (e) => Boolean(e.ready || e.failed));
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events.map((e) => e.message)));
    const after = await aliceJobs();
    assert.deepEqual(
      after,
      new Map([
        ['first', { id: before.get('first')?.id, state: 'RUNNING' }],
        ['second', { id: before.get('second')?.id, state: 'RUNNING' }],
      ]),
      'the same two jobs, no other: nothing was resubmitted or orphaned',
    );

    for (const server of SERVERS)
      assert.equal((await api('DELETE', `/users/${alice.name}/servers/${server}`)).status, 204);
    assert.deepEqual(await aliceJobs(), new Map(), 'stopping both left no job behind');
  });
});
