// The bundle as the hub deploys it: copied out of the checkout to a world-readable place and run
// with /usr/bin/node as an unprivileged user (nobody), who can read neither /root nor the
// checkout. Runs only as root (it needs runuser); skipped otherwise.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { AGENT_SECRET_HEADER } from '@hpchub/protocol';
import WebSocket from 'ws';
import {
  type AgentRun,
  agentRequest,
  alive,
  Sandbox,
  startAgent,
  testSpec,
} from './test-support/agent-process.js';

const isRoot = process.getuid?.() === 0;

/** The real uid of a process, from /proc. */
function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

describe('the bundled agent as user nobody', {
  skip: isRoot ? false : 'needs root to switch to nobody',
}, () => {
  let sandbox: Sandbox;
  let run: AgentRun;
  let port: number;

  before(async () => {
    sandbox = new Sandbox();
    run = await startAgent(sandbox, {
      spec: testSpec(sandbox.app),
      wrap: ['/usr/sbin/runuser', '-u', 'nobody', '--'],
      env: { HOME: '/nonexistent', TMPDIR: '/tmp' },
    });
    const ready = await Promise.race([
      run.hub.waitFor('ready'),
      run.hub.waitFor('stopping').then((m) => assert.fail(m.body.message)),
    ]);
    port = ready.body.port;
  });
  after(async () => {
    await run?.stop();
    sandbox?.cleanup();
  });

  test('runs the agent and the app as nobody and forwards requests and WebSockets', async () => {
    const agentPid = (await run.waitForLog((l) => l.event === 'agent_starting')).pid as number;
    const appPid = (await run.waitForLog((l) => l.event === 'app_started')).pid as number;
    assert.equal(uidOf(agentPid), 65534);
    assert.equal(uidOf(appPid), 65534);
    const answer = await agentRequest(port, run.secret, { path: '/user/alice/lab/tree' });
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).url, '/user/alice/lab/tree');

    const ws = new WebSocket(`wss://127.0.0.1:${port}/user/alice/lab/ws`, {
      rejectUnauthorized: false,
      headers: { [AGENT_SECRET_HEADER]: run.secret },
    });
    const reply = new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hi'));
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    assert.equal(await reply, 'echo:hi');
    ws.close();
  });

  test('stops on SIGTERM to the agent, leaving no app behind', async () => {
    const agentPid = (await run.waitForLog((l) => l.event === 'agent_starting')).pid as number;
    const appPid = (await run.waitForLog((l) => l.event === 'app_started')).pid as number;
    // Signal the agent itself, as Slurm and the local spawner do (runuser would only relay it).
    process.kill(agentPid, 'SIGTERM');
    assert.equal((await run.hub.waitFor('stopping')).body.reason, 'signal');
    assert.equal((await run.exited).code, 0);
    assert.equal(alive(appPid), false);
  });
});
