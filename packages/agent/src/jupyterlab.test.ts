// Real JupyterLab behind the agent, launched the way the catalog launches it: on a 0600 unix
// socket in the job's private directory, under the prefix, with a token only the agent knows.
// Checks the status API through the agent and runs 1+1 in a kernel over its WebSocket, and that
// the agent's heartbeats tell what Jupyter says: a kernel computing with no output, connections,
// last activity that the agent's own questions do not move.
// JupyterLab comes from the test venv that `bash scripts/provision/apps.sh` installs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AGENT_SECRET_HEADER } from '@hpchub/protocol';
import WebSocket from 'ws';
import { type AgentRun, agentRequest, testSpec } from './test-support/agent-process.js';
import { type RealApp, startRealApp } from './test-support/real-app.js';

const VENV = '/opt/hpchub-test/venv';
const JUPYTER_LAB = `${VENV}/bin/jupyter-lab`;
const PREFIX = '/user/alice/lab/';

/** A kernel message that runs `code` (Jupyter's messaging protocol 5.3). */
function executeRequest(code: string, msgId: string) {
  return {
    header: {
      msg_id: msgId,
      msg_type: 'execute_request',
      session: randomUUID(),
      username: 'alice',
      version: '5.3',
      date: new Date().toISOString(),
    },
    parent_header: {},
    metadata: {},
    channel: 'shell',
    content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false },
  };
}

describe('JupyterLab through the agent', () => {
  let app: RealApp;
  let run: AgentRun;
  let port: number;

  before(async () => {
    app = await startRealApp({
      program: JUPYTER_LAB,
      title: 'JupyterLab',
      path: `${VENV}/bin:/usr/bin:/bin`,
      makeSpec: (sandbox, home) => {
        const command = [
          JUPYTER_LAB,
          '--no-browser',
          '--ServerApp.sock={socket}',
          '--ServerApp.sock_mode=0600',
          // Requests arrive with the hub's Host header; without this Jupyter refuses non-local hosts.
          '--ServerApp.allow_remote_access=True',
          '--ServerApp.base_url={prefix}',
          '--IdentityProvider.token={token}',
          `--ServerApp.root_dir=${home}`,
        ];
        // JupyterLab refuses to run as root unless told; the test suite may run as root.
        if (process.getuid?.() === 0) command.push('--allow-root');
        return testSpec(sandbox.app, {
          app: 'jupyterlab',
          title: 'JupyterLab',
          command,
          env: { JUPYTER_RUNTIME_DIR: '{workdir}/jupyter-runtime' },
          prefix: PREFIX,
          readyPath: '/api/status',
          startTimeoutSeconds: 120,
          activity: { source: 'jupyter', reportSeconds: 60 },
        });
      },
    });
    ({ run, port } = app);
  });
  after(() => app?.stop());

  test('GET {prefix}api/status answers through the agent, authenticated by the agent’s token', async () => {
    const answer = await agentRequest(port, run.secret, {
      path: `${PREFIX}api/status`,
      headers: { host: 'hub.example' },
    });
    assert.equal(answer.status, 200, answer.body);
    const status = JSON.parse(answer.body);
    assert.equal(typeof status.started, 'string');
    assert.equal(status.kernels, 0);
    const refused = await agentRequest(port, null, { path: `${PREFIX}api/status` });
    assert.equal(refused.status, 403);
  });

  test('a kernel runs 1+1 over its WebSocket through the agent; a sleeping cell is busy in the heartbeats', async () => {
    const created = await agentRequest(port, run.secret, {
      method: 'POST',
      path: `${PREFIX}api/kernels`,
      headers: { 'content-type': 'application/json', host: 'hub.example' },
      body: JSON.stringify({ name: 'python3' }),
    });
    assert.equal(created.status, 201, created.body);
    const kernel = JSON.parse(created.body).id as string;
    const ws = new WebSocket(`wss://127.0.0.1:${port}${PREFIX}api/kernels/${kernel}/channels`, {
      rejectUnauthorized: false,
      // As a browser behind the hub sends it: Jupyter checks Origin against Host.
      headers: { [AGENT_SECRET_HEADER]: run.secret, host: 'hub.example', origin: 'https://hub.example' },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const msgId = randomUUID();
    const result = new Promise<string>((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data));
        if (msg.parent_header?.msg_id === msgId && msg.msg_type === 'execute_result')
          resolve(msg.content.data['text/plain']);
      });
    });
    ws.send(JSON.stringify(executeRequest('1+1', msgId)));
    assert.equal(await result, '2');

    // A cell that sleeps prints nothing: only the kernel's state says it computes.
    const sleeping = new Date().toISOString();
    ws.send(JSON.stringify(executeRequest('import time\nfor _ in range(40): time.sleep(0.5)', randomUUID())));
    const busy = await run.hub.waitFor('heartbeat', (m) => m.body.app?.busy === true);
    assert.equal(busy.body.app.kernels, 1);
    assert.equal(busy.body.app.connections, 1, 'the WebSocket open through the agent');
    assert.ok(busy.body.app.last_activity >= sleeping, 'Jupyter’s own last activity: the execution');
    assert.ok(busy.body.last_activity >= sleeping, 'the traffic through the agent');
    ws.close();
    // Interrupted, the kernel is idle again and nobody is connected.
    const interrupted = await agentRequest(port, run.secret, {
      method: 'POST',
      path: `${PREFIX}api/kernels/${kernel}/interrupt`,
      headers: { host: 'hub.example' },
    });
    assert.equal(interrupted.status, 204, interrupted.body);
    const idle = await run.hub.waitFor(
      'heartbeat',
      (m) =>
        m.body.app?.busy === false && m.body.app.connections === 0 && m.body.app.last_activity > sleeping,
    );
    assert.equal(idle.body.app.kernels, 1);
    // The agent's own questions are not use: Jupyter's last activity stays where the user left it.
    const seen = run.hub.messages.indexOf(idle);
    const later = await run.hub.waitFor('heartbeat', (m) => run.hub.messages.indexOf(m) > seen + 2);
    assert.equal(later.body.app.last_activity, idle.body.app.last_activity);
  });

  test('stops JupyterLab on SIGTERM and reports it', async () => {
    run.child.kill('SIGTERM');
    assert.equal((await run.hub.waitFor('stopping')).body.reason, 'signal');
    assert.equal((await run.exited).code, 0);
    assert.ok(!run.stderr().includes(run.secret));
  });
});
