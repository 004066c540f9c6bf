// Real code-server behind the agent, launched as the catalog launches it (a 0600 socket, the
// prefix stripped, no auth of its own), and what the agent's heartbeats say of it: code-server's
// own heartbeat (`/healthz`), which moves when a request reaches code-server and not when the
// agent asks /healthz itself. code-server comes from `bash scripts/provision/apps.sh`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AgentRun, agentRequest, testSpec } from './test-support/agent-process.js';
import { type RealApp, startRealApp } from './test-support/real-app.js';

const CODE_SERVER = '/opt/hpchub-test/code-server/node_modules/.bin/code-server';
const PREFIX = '/user/alice/code/';

describe('code-server through the agent', () => {
  let app: RealApp;
  let run: AgentRun;
  let port: number;

  before(async () => {
    app = await startRealApp({
      program: CODE_SERVER,
      title: 'code-server',
      path: '/usr/bin:/bin',
      makeSpec: (sandbox, home) =>
        testSpec(sandbox.app, {
          app: 'code-server',
          title: 'code-server',
          command: [
            CODE_SERVER,
            '--socket={socket}',
            '--socket-mode=600',
            '--auth=none',
            '--disable-telemetry',
            '--disable-update-check',
            '--config=/dev/null',
            `--user-data-dir=${home}/data`,
            `--extensions-dir=${home}/extensions`,
          ],
          prefix: PREFIX,
          prefixMode: 'strip',
          readyPath: '/healthz',
          appAuth: { kind: 'none' },
          startTimeoutSeconds: 120,
          activity: { source: 'code-server', reportSeconds: 60 },
        }),
    });
    ({ run, port } = app);
  });
  after(() => app?.stop());

  test('heartbeats carry code-server’s last heartbeat, moved by use and not by the agent’s questions', async () => {
    const before = Date.now();
    const page = await agentRequest(port, run.secret, { path: PREFIX, headers: { host: 'hub.example' } });
    assert.ok(page.status < 400, `code-server answered ${page.status}`);
    const used = await run.hub.waitFor(
      'heartbeat',
      (m) => m.body.app?.last_activity && Date.parse(m.body.app.last_activity) >= before - 1000,
    );
    assert.equal(used.body.app.busy, false);
    const seen = run.hub.messages.indexOf(used);
    const later = await run.hub.waitFor('heartbeat', (m) => run.hub.messages.indexOf(m) > seen + 2);
    assert.equal(later.body.app.last_activity, used.body.app.last_activity);
  });
});
