// The second lock against servers nobody stops: a hub that no longer knows a server (its row
// lost, as after restoring an older database or starting over with a fresh one) answers its
// agent's next heartbeat "unknown server", and the agent stops its app and exits. On the local
// spawner no time limit would ever end it. Real hub, real agent, the local spawner.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestHub } from '../../test-support/hub.js';
import { startTinyServer, TINY_APP, writeTinyApps } from '../../test-support/tiny-app.js';
import { processStartTime } from './process.js';

/** The agent's log lines (JSON) in the job's log, with the job script's own lines left out. */
function agentLog(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await processStartTime(pid)) === null) return true;
    await sleep(100);
  }
  return false;
}

describe('an agent whose hub no longer knows its server', () => {
  const appsDir = mkdtempSync(join(tmpdir(), 'hpchub-forgotten-apps-'));
  let hub: TestHub;
  let token: string;

  before(async () => {
    const appsFile = writeTinyApps(appsDir);
    hub = await TestHub.start({
      configure: (c) => {
        c.apps.file = appsFile;
        c.apps.enabled = [TINY_APP];
        c.spawner.poll_interval_seconds = 1;
      },
    });
    await hub.addUser('alice');
    token = await hub.tokenFor('alice');
  });
  /** The job's process group, told to stop here (the agent stops its app) should the test fail before. */
  let pgid: number | undefined;
  after(async () => {
    if (pgid !== undefined)
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        // already gone, as it should be
      }
    await hub.stop();
    rmSync(appsDir, { recursive: true, force: true });
  });

  test('stops its app and exits at the first heartbeat the hub answers "unknown server"', async () => {
    const { id, state, home } = await startTinyServer(hub, token, 'alice', 'lost', 1);
    pgid = state.pgid;
    const agentPid = state.pid;
    const logFile = join(home, '.hpchub', 'logs', 'lost.log');
    const appPid = agentLog(logFile).find((l) => l.event === 'app_started')?.pid as number;
    assert.ok(appPid > 0);

    // The hub loses the server behind its own back.
    await hub.hub.db.deleteFrom('servers').where('id', '=', id).execute();

    assert.ok(await gone(agentPid, 60_000), 'the agent exits');
    assert.ok(await gone(appPid, 15_000), 'the app is stopped');
    const refusals = hub
      .logText()
      .split('\n')
      .filter((l) => l.includes('agent message refused: unknown server'))
      .map((l) => JSON.parse(l) as { server_id: number; message: string })
      .filter((l) => l.server_id === id);
    assert.ok(refusals.length >= 1 && refusals.length <= 2, `${refusals.length} heartbeats refused`);
    assert.ok(refusals.every((l) => l.message === 'heartbeat'));
    const exit = agentLog(logFile).find((l) => l.event === 'exit');
    assert.equal(exit?.code, 3);
  });
});
