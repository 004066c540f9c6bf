// The directory picker phase: the agent listens and sends `ready` before the app starts, serves
// the picker (escaped page, strict CSP, no inline script) behind the same secret, lists only
// directories inside the root, refuses `..` and symbolic links out of it, and once a directory
// is chosen starts the app with it; the status endpoint then says `running` and requests reach
// the app.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AgentRun,
  agentRequest,
  NODE,
  Sandbox,
  startAgent,
  testSpec,
} from './test-support/agent-process.js';

const PREFIX = '/user/alice/tb/';
const PICKER = `${PREFIX}_hpchub/picker/`;

describe('directory picker before the app starts', () => {
  let sandbox: Sandbox;
  let home: string;
  let run: AgentRun;
  let port: number;
  const get = (p: string, headers: Record<string, string> = {}) =>
    agentRequest(port, run.secret, { path: p, headers });
  const choose = (body: unknown, headers: Record<string, string> = {}) =>
    agentRequest(port, run.secret, {
      method: 'POST',
      path: `${PICKER}api/choose`,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  before(async () => {
    sandbox = new Sandbox();
    home = mkdtempSync(path.join(os.tmpdir(), 'hpchub-picker-home-'));
    mkdirSync(path.join(home, 'runs', 'exp1', 'deep'), { recursive: true });
    mkdirSync(path.join(home, 'runs', 'exp2'));
    mkdirSync(path.join(home, 'runs', '.hidden'));
    mkdirSync(path.join(home, 'secret-outside'));
    writeFileSync(path.join(home, 'runs', 'notes.txt'), 'not a directory');
    symlinkSync(path.join(home, 'runs', 'exp2'), path.join(home, 'runs', 'link-in'));
    symlinkSync(path.join(home, 'secret-outside'), path.join(home, 'runs', 'link-out'));
    symlinkSync('/etc', path.join(home, 'runs', 'exp1', 'etc-link'));
    const spec = testSpec(sandbox.app, {
      title: 'TensorBoard',
      command: [
        NODE,
        sandbox.app,
        '--port',
        '{port}',
        '--ready',
        '{prefix_path}/ready',
        '--dir',
        '{option:logdir}',
      ],
      listen: 'tcp',
      prefix: PREFIX,
      appAuth: { kind: 'none' },
      options: { logdir: 'runs/exp1' },
      picker: { option: 'logdir', root: 'runs', title: 'Choose the <log> directory & go' },
    });
    run = await startAgent(sandbox, { spec, env: { HOME: home } });
    const ready = await run.hub.waitFor('ready');
    port = ready.body.port;
  });
  after(async () => {
    await run.stop();
    sandbox.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  test('sends ready before starting the app, and tells the hub it waits for a choice', async () => {
    assert.ok(!run.logs().some((l) => l.event === 'app_starting'));
    const progress = run.hub.of('progress').map((m) => m.body.message);
    assert.ok(
      progress.includes('Waiting for a directory to be chosen for TensorBoard'),
      progress.join(' | '),
    );
  });

  test('sends a browser to the picker, and answers 503 to anything else until the app runs', async () => {
    const page = await get(PREFIX, { accept: 'text/html' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.location, PICKER);
    const api = await get(`${PREFIX}api/x`, { accept: 'application/json' });
    assert.equal(api.status, 503);
    assert.equal(JSON.parse(api.body).phase, 'picking');
  });

  test('serves an escaped page with a strict CSP and no inline script', async () => {
    const page = await get(PICKER);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(page.body, /<h1>Choose the &lt;log&gt; directory &amp; go<\/h1>/);
    assert.match(page.body, /<script src="picker.js"><\/script>/);
    assert.doesNotMatch(page.body, /<script>|<style|style=|onclick=/);
    const js = await get(`${PICKER}picker.js`);
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.doesNotMatch(js.body, /innerHTML/);
  });

  test('needs the secret like everything else', async () => {
    const answer = await agentRequest(port, null, { path: `${PICKER}api/dirs` });
    assert.equal(answer.status, 403);
  });

  test('starts where the option points and lists only directories inside the root', async () => {
    const first = JSON.parse((await get(`${PICKER}api/dirs`)).body);
    assert.equal(first.path, 'exp1');
    assert.equal(first.parent, '');
    assert.deepEqual(
      first.entries.map((e: { name: string }) => e.name),
      ['deep'],
      'the link to /etc is not offered',
    );
    const root = JSON.parse((await get(`${PICKER}api/dirs?path=`)).body);
    assert.equal(root.parent, null);
    assert.deepEqual(
      root.entries.map((e: { name: string }) => e.name),
      ['exp1', 'exp2', 'link-in'],
    );
    const hidden = JSON.parse((await get(`${PICKER}api/dirs?path=&hidden=1`)).body);
    assert.deepEqual(
      hidden.entries.map((e: { name: string }) => e.name),
      ['.hidden', 'exp1', 'exp2', 'link-in'],
    );
    const viaLink = JSON.parse((await get(`${PICKER}api/dirs?path=link-in`)).body);
    assert.equal(viaLink.path, 'exp2', 'a link inside the root resolves to its target');
  });

  test('refuses to go above the root, by .. or by a symbolic link', async () => {
    for (const p of ['..', 'exp1/../..', '%2e%2e', 'exp1/%2E%2E/%2e%2e', '/etc', '../secret-outside']) {
      const answer = await get(`${PICKER}api/dirs?path=${p}`);
      assert.equal(answer.status, 400, `path=${p}: ${answer.body}`);
    }
    for (const p of ['link-out', 'exp1/etc-link']) {
      const answer = await get(`${PICKER}api/dirs?path=${p}`);
      assert.equal(answer.status, 403, `path=${p}: ${answer.body}`);
      assert.match(JSON.parse(answer.body).message, /outside the allowed root/);
    }
    assert.equal((await get(`${PICKER}api/dirs?path=notes.txt`)).status, 400);
    assert.equal((await get(`${PICKER}api/dirs?path=missing`)).status, 404);
    assert.equal((await choose({ path: 'link-out' })).status, 403);
    assert.equal((await choose({ path: '..' })).status, 400);
  });

  test('refuses a cross-site or non-JSON choice', async () => {
    const cross = await choose(
      { path: 'exp1' },
      { origin: 'https://evil.example', 'x-forwarded-host': 'hub.example' },
    );
    assert.equal(cross.status, 403);
    const form = await agentRequest(port, run.secret, {
      method: 'POST',
      path: `${PICKER}api/choose`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'path=exp1',
    });
    assert.equal(form.status, 400);
    assert.ok(!run.logs().some((l) => l.event === 'app_starting'));
  });

  test('choosing a directory starts the app with it; the browser is then sent into the app', async () => {
    const chosen = await choose(
      { path: 'link-in' },
      { origin: 'https://hub.example', 'x-forwarded-host': 'hub.example' },
    );
    assert.equal(chosen.status, 202, chosen.body);
    assert.equal(JSON.parse(chosen.body).path, 'exp2');
    let status = { phase: '', url: '' };
    while (status.phase !== 'running') {
      status = JSON.parse((await get(`${PREFIX}_hpchub/status`)).body);
      assert.notEqual(status.phase, 'failed');
      if (status.phase !== 'running') await sleep(50);
    }
    assert.equal(status.url, PREFIX);
    const seen = JSON.parse((await get(`${PREFIX}lab`)).body);
    assert.equal(seen.dir, realpathSync(path.join(home, 'runs', 'exp2')));
    assert.equal(seen.url, `${PREFIX}lab`);
    assert.equal((await choose({ path: 'exp1' })).status, 409, 'only one choice');
    await run.hub.waitFor('progress', (m) => m.body.message === 'TensorBoard is running');
    assert.equal(run.hub.of('ready').length, 1, 'ready is sent once');
  });

  test('stops cleanly on SIGTERM', async () => {
    run.child.kill('SIGTERM');
    assert.equal((await run.hub.waitFor('stopping')).body.reason, 'signal');
    assert.equal((await run.exited).code, 0);
  });
});
