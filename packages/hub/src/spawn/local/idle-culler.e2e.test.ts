// JupyterHub's own idle culler, from PyPI and unmodified, against hpchub: jupyterhub-idle-culler
// of the 1.x line and of the 2.x line (scripts/provision/apps.sh installs both) runs as an
// external process with a token that has only the scopes JupyterHub documents for it, and as a
// service the hub runs from its configuration with those scopes. Three real
// JupyterLab servers of a system user: one nobody uses (culled within timeout + cull interval),
// one used through the proxy (kept), one whose kernel runs a sleep loop with no browser attached
// (kept: its agent reports the busy kernel, which is activity). The culler logs no error.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NewTokenModel } from '@hpchub/protocol';
import { TestHub } from '../../test-support/hub.js';
import {
  execute,
  type JupyterClient,
  localJupyterHub,
  startKernel,
  startReady,
  TEST_VENV_BIN as VENV_BIN,
} from '../../test-support/jupyter.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';

const CULLER_2 = '/opt/hpchub-test/idle-culler-2';
const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
const TIMEOUT_S = 20;
const EVERY_S = 4;
/** The scopes JupyterHub's documentation gives jupyterhub-idle-culler. */
const CULLER_SCOPES = ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function requireCullers(): void {
  for (const path of [`${VENV_BIN}/jupyter-lab`, `${CULLER_2}/jupyterhub_idle_culler/__init__.py`])
    if (!existsSync(path))
      throw new Error(`${path} is not installed — run: sudo bash scripts/provision/apps.sh`);
}

/** The culler's command line, as JupyterHub's documentation gives it (the URL from the environment or a flag). */
const CULLER_ARGS = ['-m', 'jupyterhub_idle_culler', `--timeout=${TIMEOUT_S}`, `--cull-every=${EVERY_S}`];
const cullerEnv = (line: '1' | '2'): Record<string, string> => (line === '2' ? { PYTHONPATH: CULLER_2 } : {});

interface Culler {
  output(): string;
  stop(): Promise<void>;
}

/** jupyterhub-idle-culler as a site runs it by hand: a process with the hub's API URL and a token. */
function runCuller(line: '1' | '2', url: string, token: string): Culler {
  const cwd = mkdtempSync(join(tmpdir(), 'hpchub-culler-'));
  const child: ChildProcess = spawn(`${VENV_BIN}/python`, [...CULLER_ARGS, `--url=${url}`], {
    cwd,
    env: { PATH: '/usr/bin:/bin', JUPYTERHUB_API_TOKEN: token, ...cullerEnv(line) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** The culler the hub runs as its service: its output is in the hub's log. */
function serviceCuller(hub: TestHub): Culler {
  return {
    output: () =>
      hub.logLines
        .filter((l) => l.includes('"service":"idle-culler"') && l.includes('"line"'))
        .map((l) => (JSON.parse(l) as { line: string }).line)
        .join('\n'),
    stop: () => Promise.resolve(),
  };
}

// The four run at once, each with a hub of its own: most of each is waiting for idleness.
describe('jupyterhub-idle-culler', { concurrency: true }, () => {
  for (const line of ['1', '2'] as const)
    for (const mode of ['external', 'service'] as const)
      describe(`jupyterhub-idle-culler ${line}.x (${mode === 'external' ? 'an external process' : 'a hub-managed service'}) against three JupyterLab servers`, () => {
        let hub: TestHub;
        let token: string;
        let client: (server: string) => JupyterClient;
        let using = true;
        let use: Promise<void> = Promise.resolve();

        before(async () => {
          requireCullers();
          hub = await TestHub.start({
            configure: (c) => {
              localJupyterHub(c);
              c.proxy.activity_flush_seconds = 1;
              c.culler.report_seconds = 2;
              // Only JupyterHub's culler culls here.
              c.culler.enabled = false;
              if (mode === 'service')
                c.services = [
                  {
                    name: 'idle-culler',
                    command: [`${VENV_BIN}/python`, ...CULLER_ARGS],
                    environment: cullerEnv(line),
                    scopes: CULLER_SCOPES,
                  },
                ];
            },
          });
          await hub.addUser(alice.name);
          await hub.addUser('culler-admin', { admin: true });
          token = await hub.tokenFor(alice.name, ['self']);
          client = (server) => ({
            base: `${hub.url}/user/${alice.name}/${server}/`,
            headers: { authorization: `token ${token}` },
          });
          // One at a time, each in use from the moment it is ready (a hub-managed culler already runs).
          await startReady(hub, token, alice.name, 'used');
          // The used server is used through the proxy every few seconds, as a browser would.
          use = (async () => {
            while (using) {
              const res = await fetch(`${client('used').base}api/contents`, {
                headers: client('used').headers,
              });
              assert.equal(res.status, 200);
              await sleep(3000);
            }
          })();
          await startReady(hub, token, alice.name, 'busy');
          // A cell that sleeps for ten minutes, its browser gone after a few seconds.
          const busy = client('busy');
          const kernel = await startKernel(busy);
          await assert.rejects(
            execute(busy, kernel, 'import time\nfor _ in range(600): time.sleep(1)', 3000),
            /no result/,
          );
          // The cell runs (on a loaded machine the kernel may take the request only later).
          for (let i = 0; ; i++) {
            const res = await fetch(`${busy.base}api/kernels/${kernel}`, { headers: busy.headers });
            const state = ((await res.json()) as { execution_state?: string }).execution_state;
            if (state === 'busy') break;
            assert.ok(i < 60, `the kernel is ${state}, not computing the cell, after a minute`);
            await sleep(1000);
          }
          await startReady(hub, token, alice.name, 'idle');
        });
        after(async () => {
          using = false;
          await use;
          for (const name of ['idle', 'used', 'busy'])
            await hub.api('DELETE', `/users/${alice.name}/servers/${name}`, { token }).catch(() => undefined);
          await hub.stop();
        });

        const status = async (name: string) =>
          (
            await hub.hub.db
              .selectFrom('servers')
              .select(['status', 'end_reason'])
              .where('name', '=', name)
              .executeTakeFirstOrThrow()
          ).status;

        test('culls the idle server, keeps the used one and the computing one, logs no error', async () => {
          let culler: Culler;
          if (mode === 'external') {
            const admin = await hub.tokenFor('culler-admin', ['admin']);
            const made = await hub.api<NewTokenModel>('POST', '/users/culler-admin/tokens', {
              token: admin,
              body: { scopes: CULLER_SCOPES, note: 'jupyterhub-idle-culler' },
            });
            assert.equal(made.status, 201, made.text);
            assert.deepEqual([...made.body.scopes].sort(), [...CULLER_SCOPES].sort());
            culler = runCuller(line, `${hub.url}/hub/api`, made.body.token);
          } else {
            culler = serviceCuller(hub);
          }
          try {
            const deadline = Date.now() + (TIMEOUT_S + 2 * EVERY_S + 10) * 1000;
            while ((await status('idle')) !== 'stopped') {
              assert.ok(Date.now() < deadline, `the idle server is still running:\n${culler.output()}`);
              await sleep(1000);
            }
            // Another timeout and interval: the used and the computing server stay.
            await sleep((TIMEOUT_S + EVERY_S) * 1000);
            assert.equal(await status('used'), 'running', culler.output());
            assert.equal(await status('busy'), 'running', culler.output());
            const idle = await hub.hub.db
              .selectFrom('servers')
              .select('end_reason')
              .where('name', '=', 'idle')
              .executeTakeFirstOrThrow();
            assert.equal(idle.end_reason, 'idle_cull', 'a stop through delete:servers alone is an idle cull');
            assert.match(culler.output(), new RegExp(`Culling server ${alice.name}/idle`));
            assert.doesNotMatch(culler.output(), /\[E |Traceback|Error/, culler.output());
          } finally {
            await culler.stop();
          }
        });
      });
});
