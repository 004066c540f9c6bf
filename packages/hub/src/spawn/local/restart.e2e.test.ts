// Hub restart with servers running: the real `hpchub start` process is killed with SIGKILL while
// two JupyterLab servers run, and started again. Both servers are re-adopted without being
// restarted (same processes), the kernel keeps its variables, and routes work again at once.
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
import { execute, type JupyterClient, startKernel } from '../../test-support/jupyter.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import type { ProgressEvent } from '../progress.js';

const VENV_BIN = '/opt/hpchub-test/venv/bin';
const BIN = fileURLToPath(new URL('../../../bin/hpchub.js', import.meta.url));
const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Alice's JupyterLab processes started by agents of the hub in `dataDir` (not other tests'). */
function jupyterPids(dataDir: string): number[] {
  const rows = execFileSync('ps', ['-o', 'pid=,ppid=,stat=,args=', '-u', String(alice.uid)], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, , stat]) => stat !== undefined && !stat.startsWith('Z'));
  // The agent runs from the hub's data directory; its app is its child.
  const agents = new Set(rows.filter((r) => r.slice(3).join(' ').includes(dataDir)).map((r) => r[0]));
  return rows
    .filter((r) => agents.has(r[1]) && r.slice(3).join(' ').includes('jupyter-lab'))
    .map((r) => Number(r[0]))
    .sort();
}

describe('a hub killed with SIGKILL and started again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-restart-'));
  let port: number;
  let hub: ChildProcess | undefined;
  let token = '';
  const args = () => [
    '--data-dir',
    dir,
    '--port',
    String(port),
    '--auth-authenticator',
    'pam',
    '--spawner-path-prepend',
    VENV_BIN,
    '--spawner-poll-interval-seconds',
    '1',
  ];

  function cli(...extra: string[]): string {
    return execFileSync(process.execPath, [BIN, ...extra, ...args()], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  async function startHub(): Promise<void> {
    const proc = spawn(process.execPath, [BIN, 'start', ...args()], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    hub = proc;
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`hpchub start exited with ${proc.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/hub/api`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
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

  before(async () => {
    port = await freePort();
    execFileSync(process.execPath, [BIN, 'user', 'add', alice.name, '--no-password', '--data-dir', dir]);
    token = cli('token', 'create', alice.name).trim();
    await startHub();
  });

  after(async () => {
    if (hub && hub.exitCode === null) {
      for (const path of ['/users/hpchub-alice/server', '/users/hpchub-alice/servers/second'])
        await api('DELETE', path).catch(() => undefined);
      hub.kill('SIGTERM');
      await new Promise((r) => hub?.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('both servers are re-adopted, not restarted, and the kernel keeps its variables', async () => {
    for (const path of ['/users/hpchub-alice/server', '/users/hpchub-alice/servers/second']) {
      const res = await api('POST', path, { user_options: { app: 'jupyterlab' } });
      assert.equal(res.status, 202, await res.text());
      const progress = `http://127.0.0.1:${port}/hub/api${path}/progress`;
      const events = await readEvents<ProgressEvent>(
        progress,
        { authorization: `token ${token}` },
        { timeoutMs: 150_000 },
      );
      assert.equal(events.at(-1)?.ready, true, JSON.stringify(events));
    }
    const client: JupyterClient = {
      base: `http://127.0.0.1:${port}/user/${alice.name}/`,
      headers: { authorization: `token ${token}` },
    };
    const kernel = await startKernel(client);
    assert.equal(await execute(client, kernel, 'x = 41 + 1; x'), '42');
    const before = jupyterPids(dir);
    assert.equal(before.length, 2, 'two JupyterLab processes');

    hub?.kill('SIGKILL');
    await new Promise((r) => hub?.once('exit', r));
    assert.deepEqual(jupyterPids(dir), before, 'the servers outlive the hub');

    await startHub();
    const second: JupyterClient = {
      base: `http://127.0.0.1:${port}/user/${alice.name}/second/`,
      headers: client.headers,
    };
    for (const c of [client, second]) {
      const status = await fetch(`${c.base}api/status`, { headers: c.headers });
      assert.equal(status.status, 200, `${c.base}: ${await status.text()}`);
    }
    assert.equal(await execute(client, kernel, 'x'), '42');
    assert.deepEqual(jupyterPids(dir), before, 'the same processes: nothing was restarted');

    for (const path of ['/users/hpchub-alice/server', '/users/hpchub-alice/servers/second']) {
      assert.equal((await api('DELETE', path)).status, 204);
    }
    assert.deepEqual(jupyterPids(dir), []);
  });
});
