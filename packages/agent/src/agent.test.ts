// The bundled agent in front of a real (tiny) app, against a fake hub: ready with the right
// fingerprint, requests forwarded with the prefix kept or stripped and the app's auth added,
// the hub's secret and cookies never reaching the app, 403 without the secret, WebSockets
// echoed through, heartbeats, and a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_SECRET_HEADER, AGENT_TUNING_ENV } from '@hpchub/protocol';
import WebSocket from 'ws';
import {
  type AgentRun,
  agentRequest,
  alive,
  NODE,
  Sandbox,
  startAgent,
  testSpec,
} from './test-support/agent-process.js';

let sandbox: Sandbox;
before(() => {
  sandbox = new Sandbox();
});
after(() => sandbox.cleanup());

async function readyAgent(run: AgentRun): Promise<{ port: number; fingerprint: string }> {
  const ready = await run.hub.waitFor('ready');
  assert.equal(ready.secretOk, true);
  return { port: ready.body.port, fingerprint: ready.body.fingerprint };
}

describe('agent with an app that keeps the prefix (unix socket, token header)', () => {
  let run: AgentRun;
  let port: number;
  let fingerprint: string;
  const pidfile = () => path.join(sandbox.dir, 'keep.pids');

  before(async () => {
    const spec = testSpec(sandbox.app);
    spec.command.push('--pidfile', pidfile(), '--child');
    run = await startAgent(sandbox, { spec, env: { [AGENT_TUNING_ENV.heartbeatSeconds]: '0.2' } });
    ({ port, fingerprint } = await readyAgent(run));
  });
  after(() => run.stop());

  test('sends ready with its host, port and the fingerprint of the certificate it serves', async () => {
    const ready = await run.hub.waitFor('ready');
    assert.deepEqual(Object.keys(ready.body).sort(), ['fingerprint', 'host', 'port']);
    assert.equal(ready.body.host, '127.0.0.1');
    assert.match(fingerprint, /^[0-9a-f]{64}$/);
    const answer = await agentRequest(port, run.secret, { path: '/user/alice/lab/' });
    assert.equal(answer.fingerprint, fingerprint);
  });

  test('reported progress before ready, every message with the secret', async () => {
    await run.hub.waitFor('ready');
    const progress = run.hub.of('progress').map((m) => m.body.message);
    assert.ok(progress.includes('Starting Test App'), progress.join(' | '));
    assert.ok(progress.includes('Waiting for Test App to answer'), progress.join(' | '));
    assert.ok(run.hub.messages.every((m) => m.secretOk && m.serverId === '42'));
    const kinds = run.hub.messages.map((m) => m.kind);
    assert.ok(kinds.lastIndexOf('progress') < kinds.indexOf('ready'), 'progress comes before ready');
  });

  test('forwards a request with the prefix kept, the token added, the secret and hub cookies removed', async () => {
    const answer = await agentRequest(port, run.secret, {
      method: 'POST',
      path: '/user/alice/lab/api/contents?x=1',
      headers: {
        cookie: 'hpchub-session=abc; _xsrf=keep; hpchub-login-xsrf=zz',
        authorization: 'token forged',
        'content-type': 'text/plain',
      },
      body: 'hello',
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-app'], 'test');
    const seen = JSON.parse(answer.body);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/user/alice/lab/api/contents?x=1');
    assert.equal(seen.body, 'hello');
    assert.equal(seen.headers.cookie, '_xsrf=keep');
    assert.equal(seen.headers[AGENT_SECRET_HEADER], undefined);
    assert.match(seen.headers.authorization, /^token [A-Za-z0-9_-]{43}$/);
    assert.notEqual(seen.headers.authorization, 'token forged');
    assert.equal(seen.headers['x-forwarded-prefix'], undefined);
  });

  test('sends a chunked upload on chunked, over one kept-alive connection to the app for request after request', async () => {
    const seen = [];
    for (const part of ['one', 'two', 'three']) {
      const answer = await agentRequest(port, run.secret, {
        method: 'PUT',
        path: '/user/alice/lab/api/contents/x',
        headers: { 'transfer-encoding': 'chunked' },
        body: part,
      });
      assert.equal(answer.status, 200);
      seen.push(
        JSON.parse(answer.body) as { body: string; headers: Record<string, string>; connection: number },
      );
    }
    assert.deepEqual(
      seen.map((s) => s.body),
      ['one', 'two', 'three'],
    );
    assert.ok(seen.every((s) => s.headers['transfer-encoding'] === 'chunked'));
    assert.equal(new Set(seen.map((s) => s.connection)).size, 1);
  });

  test('refuses requests without the secret or with a wrong one, and logs them without the secret', async () => {
    const none = await agentRequest(port, null, { path: '/user/alice/lab/api/contents' });
    assert.equal(none.status, 403);
    const wrong = await agentRequest(port, `${run.secret}x`, {
      path: '/user/alice/lab/api/contents?token=t',
    });
    assert.equal(wrong.status, 403);
    await run.waitForLog((l) => l.event === 'request_refused' && l.reason === 'no secret');
    const wrongLine = await run.waitForLog(
      (l) => l.event === 'request_refused' && l.reason === 'wrong secret',
    );
    assert.equal(wrongLine.path, '/user/alice/lab/api/contents', 'logged without the query');
  });

  test('echoes WebSocket messages through the agent, and refuses an upgrade without the secret', async () => {
    const url = `wss://127.0.0.1:${port}/user/alice/lab/api/kernels/1/channels`;
    const ws = new WebSocket(url, {
      rejectUnauthorized: false,
      headers: { [AGENT_SECRET_HEADER]: run.secret },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('1+1');
    assert.equal(await reply, 'echo:1+1');
    const big = 'x'.repeat(40_000);
    const bigReply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send(big);
    assert.equal(await bigReply, `echo:${big}`);
    ws.close();

    const refused = new WebSocket(url, { rejectUnauthorized: false });
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('error', () => resolve(-1));
    });
    assert.equal(status, 403);
  });

  test('sends heartbeats with the last activity', async () => {
    await agentRequest(port, run.secret, { path: '/user/alice/lab/' });
    const beat = await run.hub.waitFor('heartbeat', (m) => m.body.last_activity !== null);
    assert.ok(!Number.isNaN(Date.parse(beat.body.last_activity)));
    assert.deepEqual(Object.keys(beat.body), ['last_activity']);
  });

  test('never logs the secret or the app token', async () => {
    await run.waitForLog((l) => l.event === 'app_output' && String(l.line).startsWith('listening on'));
    await agentRequest(port, run.secret, { path: '/user/alice/lab/' });
    const err = run.stderr();
    assert.ok(!err.includes(run.secret));
    const token = (
      JSON.parse((await agentRequest(port, run.secret, { path: '/user/alice/lab/' })).body).headers
        .authorization as string
    ).slice('token '.length);
    assert.ok(!err.includes(token), 'the app token is redacted, also from the app output');
    assert.ok(err.includes('with token [redacted]'));
  });

  test('on SIGTERM: reports stopping, stops the app and its children, exits 0', async () => {
    const pids = readFileSync(pidfile(), 'utf8').split('\n').map(Number);
    assert.equal(pids.length, 2);
    assert.ok(pids.every(alive));
    const workdir = (await run.waitForLog((l) => l.event === 'app_starting')).listen as string;
    run.child.kill('SIGTERM');
    const stopping = await run.hub.waitFor('stopping');
    assert.equal(stopping.body.reason, 'signal');
    assert.equal((await run.exited).code, 0);
    // The agent waits for the app; its grandchild got SIGKILL with the rest of the group.
    assert.equal(alive(pids[0] as number), false);
    for (let i = 0; i < 50 && alive(pids[1] as number); i++) await sleep(100);
    assert.equal(alive(pids[1] as number), false);
    const socketFile = workdir.replace(/^unix socket /, '');
    assert.equal(existsSync(path.dirname(socketFile)), false, 'work directory removed');
  });
});

describe('agent with an app that has the prefix stripped (tcp port, no app auth)', () => {
  let run: AgentRun;
  let port: number;

  before(async () => {
    const spec = testSpec(sandbox.app, {
      command: ['/usr/bin/node', sandbox.app, '--port', '{port}', '--ready', '/ready'],
      listen: 'tcp',
      prefixMode: 'strip',
      appAuth: { kind: 'none' },
    });
    // The hub is restarting when the agent first reports: it retries.
    run = await startAgent(sandbox, { spec, hubScript: { ready: [503, 502] } });
    ({ port } = await readyAgent(run));
  });
  after(() => run.stop());

  test('retried ready after the hub answered 503 and 502', async () => {
    await run.waitForLog((l) => l.event === 'hub_message_failed' && l.status === 502);
    const failed = run.logs().filter((l) => l.event === 'hub_message_failed' && l.message === 'ready');
    assert.deepEqual(
      failed.map((l) => l.status),
      [503, 502],
    );
  });

  test('strips the prefix and sets X-Forwarded-Prefix', async () => {
    const answer = await agentRequest(port, run.secret, { path: '/user/alice/lab/static/app.js?v=2' });
    assert.equal(answer.status, 200);
    const seen = JSON.parse(answer.body);
    assert.equal(seen.url, '/static/app.js?v=2');
    assert.equal(seen.headers['x-forwarded-prefix'], '/user/alice/lab');
    assert.equal(seen.headers.authorization, undefined);
    const root = JSON.parse((await agentRequest(port, run.secret, { path: '/user/alice/lab' })).body);
    assert.equal(root.url, '/');
  });

  test('answers 404 for a path outside the prefix', async () => {
    const answer = await agentRequest(port, run.secret, { path: '/user/bob/lab/' });
    assert.equal(answer.status, 404);
  });

  test('passes the app’s own cookies back', async () => {
    const answer = await agentRequest(port, run.secret, { path: '/user/alice/lab/set-cookie' });
    assert.deepEqual(answer.headers['set-cookie'], ['app-cookie=1; Path=/']);
  });

  test('answers 502 saying so when the app stopped listening, and serves on', async () => {
    const closing = await agentRequest(port, run.secret, { path: '/user/alice/lab/stop-listening' });
    assert.equal(closing.body, 'closing');
    const refused = await agentRequest(port, run.secret, { path: '/user/alice/lab/api/status' });
    assert.equal(refused.status, 502);
    assert.match(refused.body, /^The app did not answer \(ECONNREFUSED\)/);
    await run.waitForLog((l) => l.event === 'app_unreachable' && l.error === 'ECONNREFUSED');
    const own = await agentRequest(port, run.secret, { path: '/user/alice/lab/_hpchub/status' });
    assert.equal(own.status, 200);
  });

  test('when the app dies on its own: stopping with app_exited and its exit code', async () => {
    const pid = (await run.waitForLog((l) => l.event === 'app_started')).pid as number;
    process.kill(pid, 'SIGKILL');
    const stopping = await run.hub.waitFor('stopping');
    assert.equal(stopping.body.reason, 'app_exited');
    assert.equal(stopping.body.exit_code, 128 + 9);
    assert.match(stopping.body.message, /Test App was killed by SIGKILL/);
    assert.equal((await run.exited).code, 137);
  });
});

describe('agent signing in to the app through its login form (form-login)', () => {
  let run: AgentRun;
  let port: number;

  before(async () => {
    const spec = testSpec(sandbox.app, {
      command: [
        '/usr/bin/node',
        sandbox.app,
        '--socket',
        '{socket}',
        '--ready',
        '/',
        '--form-password',
        '{token}',
        '--user',
        '{user}',
      ],
      prefixMode: 'strip',
      readyPath: '/',
      appAuth: {
        kind: 'form-login',
        path: '/auth-do-sign-in',
        fields: { username: '{user}', password: '{token}' },
      },
    });
    run = await startAgent(sandbox, { spec });
    ({ port } = await readyAgent(run));
  });
  after(() => run.stop());

  test('signs in once and adds the session cookie to every forwarded request', async () => {
    const answer = await agentRequest(port, run.secret, {
      path: '/user/alice/lab/rstudio',
      headers: { cookie: 'hpchub-session=x; csrf=1; user-id=forged' },
    });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(JSON.parse(answer.body).headers.cookie, 'csrf=1; user-id=signed-in');
  });
});

describe('agent with a tcp app in a network of its own (network: isolated)', () => {
  let run: AgentRun;
  let port: number;

  before(async () => {
    const spec = testSpec(sandbox.app, {
      command: [NODE, sandbox.app, '--port', '{port}', '--ready', '{prefix}ready'],
      listen: 'tcp',
      network: 'isolated',
      appAuth: { kind: 'none' },
    });
    run = await startAgent(sandbox, { spec });
    ({ port } = await readyAgent(run));
  });
  after(() => run.stop());

  test('forwards through the bridge, while the app’s port is closed on this machine’s loopback', async () => {
    const answer = await agentRequest(port, run.secret, { path: '/user/alice/lab/hello' });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(JSON.parse(answer.body).url, '/user/alice/lab/hello');
    const argv = run.logs().find((l) => l.event === 'app_starting')?.argv as string[];
    assert.deepEqual(argv.slice(0, 5), ['unshare', '--user', '--map-current-user', '--net', '--keep-caps']);
    const appPort = Number(argv[argv.indexOf('--port') + 1]);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: appPort });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
  });
});
