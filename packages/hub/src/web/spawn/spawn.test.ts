// The spawn form and the progress page over HTTP: fields and limits from the form description,
// per-field refusals from the hub, remembered values and "Reset form", choosing another app
// without scripts, `next` carried to the end, and the progress page until ready or failed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '../../test-support/hub.js';
import { agentReports, type PagesScene, startPagesHub } from '../../test-support/pages.js';

const input = (html: string, name: string) =>
  new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0] ?? '';
const fieldError = (html: string, name: string) =>
  new RegExp(`id="f-${name}-error">([^<]*)<`)
    .exec(html)?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

describe('spawn form', () => {
  let scene: PagesScene;
  let alice: Browser;
  let xsrf: string;

  before(async () => {
    scene = await startPagesHub({ behaviour: 'instant', resources: true });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    alice = await scene.hub.login('alice', 'alice-password-1');
    xsrf = await alice.csrfToken();
  });
  after(() => scene.hub.stop());

  const start = (path: string, fields: Record<string, string>) =>
    alice.postForm(path, { _xsrf: xsrf, app: 'jupyterlab', form_app: 'jupyterlab', ...fields });
  const stop = (server = '') =>
    alice.postForm('/hub/servers/alice/stop', { _xsrf: xsrf, server, next: '/hub/home' });

  test('shows the apps and each field with its limits, for the partition shown', async () => {
    const res = await alice.get('/hub/spawn/alice');
    assert.equal(res.status, 200);
    for (const title of ['JupyterLab', 'code-server', 'TensorBoard', 'RStudio'])
      assert.match(res.text, new RegExp(title));
    assert.match(res.text, /<input type="radio" name="app" value="jupyterlab" checked>/);
    assert.match(
      res.text,
      /<option value="normal" selected>normal \(up to 16 cores · 64 GB · 24 h\)<\/option>/,
    );
    const cores = input(res.text, 'cores');
    assert.match(cores, /min="1"/);
    assert.match(cores, /max="16"/);
    assert.match(cores, /value="2"/);
    assert.match(cores, /data-limits-by="partition"/);
    assert.match(cores, /data-limits="\{&quot;short&quot;:1,&quot;normal&quot;:16\}"/);
    assert.match(res.text, /<span class="limit">1 to 16 in partition normal<\/span>/);
    assert.match(input(res.text, 'custom_script'), /value="~\/\.jupyterlabrc"/);
    assert.match(res.text, /<input type="hidden" name="_xsrf" value="[\w-]{20,}">/);
  });

  test('a value over the partition’s limit is refused per field, and the form keeps what was typed', async () => {
    const res = await start('/hub/spawn/alice', {
      partition: 'short',
      cores: '8',
      memory_gb: '2',
      hours: '1',
      custom_script: '../outside',
    });
    assert.equal(res.status, 400);
    assert.equal(
      fieldError(res.text, 'cores'),
      'Partition short allows at most 1; give a number from 1 to 1.',
    );
    assert.equal(fieldError(res.text, 'custom_script'), 'A path may not go up with "..".');
    assert.match(res.text, /<a href="#f-cores">Partition short allows at most 1/);
    assert.match(input(res.text, 'cores'), /value="8"/);
    assert.match(input(res.text, 'cores'), /aria-invalid="true"/);
    assert.match(res.text, /<option value="short" selected>/);
    assert.match(res.text, /<span class="limit">1 to 1 in partition short<\/span>/);
    const rows = await scene.hub.hub.db.selectFrom('servers').selectAll().execute();
    assert.equal(rows.length, 0, 'no server was started');
  });

  test('a valid start goes to the progress page, which goes to the server once it is ready', async () => {
    const res = await start('/hub/spawn/alice', {
      partition: 'normal',
      cores: '4',
      memory_gb: '8',
      hours: '2',
      custom_script: '~/.jupyterlabrc',
    });
    assert.equal(res.status, 303, res.text.slice(0, 500));
    assert.equal(res.headers.get('location'), '/hub/spawn-pending/alice');
    const pending = await alice.get('/hub/spawn-pending/alice');
    assert.equal(pending.status, 200);
    assert.match(pending.text, /Your server is starting/);
    assert.match(pending.text, /data-progress-url="\/hub\/api\/users\/alice\/server\/progress"/);
    assert.match(pending.text, /<li>Server requested: JupyterLab<\/li>/);
    assert.match(pending.text, /<noscript><meta http-equiv="refresh" content="5"><\/noscript>/);
    assert.match(pending.text, /action="\/hub\/servers\/alice\/stop"/);
    // Opening the form of a starting server shows its progress instead of starting it again.
    assert.equal(
      (await alice.get('/hub/spawn/alice/')).status,
      200,
      'the default entry point still offers named servers',
    );
    await agentReports(scene, 'alice', '');
    const ready = await alice.get('/hub/spawn-pending/alice');
    assert.equal(ready.status, 302);
    assert.equal(ready.headers.get('location'), '/user/alice/');
    // The scheduler's word on when the job ends comes with a poll.
    await scene.hub.running.app.spawning.pollNow();
    const home = await alice.get('/hub/home');
    assert.match(home.text, /4 cores · 8 GB · 2 h · partition normal/);
    assert.match(home.text, /<dt>Node<\/dt><dd>127\.0\.0\.1<\/dd>/);
    // Time used and when the job ends, in words (the values themselves depend on the clock).
    assert.match(
      home.text,
      /running (less than a minute|\d+ min) · <strong class="ends">ends in \d h( \d\d min)?: time limit<\/strong>/,
    );
    assert.equal((await stop()).status, 303);
  });

  test('the form remembers the last choices; "Reset form" shows the defaults', async () => {
    const again = await alice.get('/hub/spawn/alice');
    assert.match(again.text, /Filled in with your choices from the last time you started JupyterLab/);
    assert.match(input(again.text, 'cores'), /value="4"/);
    assert.match(input(again.text, 'hours'), /value="2"/);
    const reset = /<a class="button secondary" href="([^"]+)">Reset form<\/a>/
      .exec(again.text)?.[1]
      ?.replace(/&amp;/g, '&');
    assert.equal(reset, '/hub/spawn/alice?app=jupyterlab&reset=1');
    const defaults = await alice.get(reset ?? '');
    assert.match(input(defaults.text, 'cores'), /value="2"/);
    assert.match(input(defaults.text, 'hours'), /value="4"/);
  });

  test('the page shows what the API describes, also for remembered values that no longer fit', async () => {
    // Remembered by hand as an older form would have stored them: cores above what `short`
    // allows, and a home path in its typed form.
    const user = await scene.hub.hub.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', 'alice')
      .executeTakeFirstOrThrow();
    await scene.hub.hub.db
      .updateTable('spawn_choices')
      .set({ options: JSON.stringify({ partition: 'short', cores: 8, custom_script: '~/envs/a.sh' }) })
      .where('user_id', '=', user.id)
      .where('app', '=', 'jupyterlab')
      .execute();
    const token = await scene.hub.tokenFor('alice');
    const described = await scene.hub.api<{ fields: { name: string; value: unknown }[] }>(
      'GET',
      '/users/alice/spawn-form?app=jupyterlab',
      { token },
    );
    const values: Record<string, string> = Object.fromEntries(
      described.body.fields.map((f) => [f.name, String(f.value)]),
    );
    assert.deepEqual(values, {
      partition: 'short',
      cores: '1',
      memory_gb: '2',
      hours: '1',
      modules: '',
      custom_script: '~/envs/a.sh',
    });
    const page = await alice.get('/hub/spawn/alice?app=jupyterlab');
    assert.match(page.text, /<option value="short" selected>/);
    for (const name of ['cores', 'memory_gb', 'hours', 'custom_script'] as const)
      assert.match(input(page.text, name), new RegExp(`value="${values[name]}"`), name);
  });

  test('choosing another app without scripts shows its fields first, and starts nothing', async () => {
    const res = await alice.postForm('/hub/spawn/alice', {
      _xsrf: xsrf,
      app: 'tensorboard',
      form_app: 'jupyterlab',
      cores: '3',
    });
    assert.equal(res.status, 200);
    assert.match(res.text, /These are the options for TensorBoard/);
    assert.match(res.text, /<input type="radio" name="app" value="tensorboard" checked>/);
    assert.match(res.text, /Log directory/);
    assert.match(res.text, /Chosen in a directory browser, once the server has started/);
    assert.match(input(res.text, 'form_app'), /value="tensorboard"/);
    const active = await scene.hub.hub.db
      .selectFrom('servers')
      .select('status')
      .where('status', '!=', 'stopped')
      .execute();
    assert.deepEqual(active, []);
  });

  test('cancelling a start from the progress page ends it, and the page says so with "try again"', async () => {
    const res = await start('/hub/spawn/alice/cancelme', {
      partition: 'short',
      cores: '1',
      memory_gb: '1',
      hours: '1',
    });
    assert.equal(res.headers.get('location'), '/hub/spawn-pending/alice/cancelme');
    const pending = await alice.get('/hub/spawn-pending/alice/cancelme');
    assert.match(input(pending.text, 'next'), /value="\/hub\/spawn-pending\/alice\/cancelme"/);
    const cancel = await alice.postForm('/hub/servers/alice/stop', {
      _xsrf: xsrf,
      server: 'cancelme',
      next: '/hub/spawn-pending/alice/cancelme',
    });
    assert.equal(cancel.headers.get('location'), '/hub/spawn-pending/alice/cancelme');
    const after = await alice.get('/hub/spawn-pending/alice/cancelme');
    assert.match(after.text, /Your server cancelme did not start/);
    assert.match(after.text, /<span id="failure-message">The start was cancelled\.<\/span>/);
    // Try again: the form of this server with the settings it was started with.
    assert.match(after.text, /href="\/hub\/spawn\/alice\/cancelme\?again=1">Try again<\/a>/);
    await alice.postForm('/hub/servers/alice/delete', { _xsrf: xsrf, server: 'cancelme' });
  });

  test('a hostile server name is refused and shown as text', async () => {
    const hostile = '"><img src=x onerror=alert(1)>';
    const res = await start('/hub/spawn/alice', {
      server_name: hostile,
      partition: 'normal',
      cores: '1',
      memory_gb: '1',
      hours: '1',
    });
    assert.equal(res.status, 400);
    assert.match(fieldError(res.text, 'server_name') ?? '', /A server name has 1 to 40 lower-case letters/);
    assert.match(input(res.text, 'server_name'), /value="&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;"/);
    assert.doesNotMatch(res.text, /<img src=x/);
    const viaUrl = await alice.get(`/hub/spawn/alice/${encodeURIComponent('<script>x</script>')}`);
    assert.doesNotMatch(viaUrl.text, /<script>x<\/script>/);
  });

  test('a named server: `next` is carried through the start and used when it is ready, other sites never', async () => {
    const form = await alice.get('/hub/spawn/alice/lab2?next=%2Fuser%2Falice%2Flab2%2Ftree');
    assert.match(input(form.text, 'next'), /value="\/user\/alice\/lab2\/tree"/);
    const res = await start('/hub/spawn/alice/lab2', {
      next: '/user/alice/lab2/tree',
      partition: 'short',
      cores: '1',
      memory_gb: '1',
      hours: '1',
    });
    assert.equal(
      res.headers.get('location'),
      '/hub/spawn-pending/alice/lab2?next=%2Fuser%2Falice%2Flab2%2Ftree',
    );
    await agentReports(scene, 'alice', 'lab2');
    const ready = await alice.get('/hub/spawn-pending/alice/lab2?next=%2Fuser%2Falice%2Flab2%2Ftree');
    assert.equal(ready.headers.get('location'), '/user/alice/lab2/tree');
    const evil = await alice.get('/hub/spawn-pending/alice/lab2?next=%2F%2Fevil.example%2F');
    assert.equal(evil.headers.get('location'), '/user/alice/lab2/');
    // Running: its form shows where it is instead of starting it again.
    assert.equal(
      (await alice.get('/hub/spawn/alice/lab2')).headers.get('location'),
      '/hub/spawn-pending/alice/lab2',
    );
    assert.equal((await stop('lab2')).status, 303);
    const del = await alice.postForm('/hub/servers/alice/delete', {
      _xsrf: xsrf,
      server: 'lab2',
      next: '/hub/home',
    });
    assert.equal(del.status, 303);
    const rows = await scene.hub.hub.db.selectFrom('servers').select('name').execute();
    assert.deepEqual(
      rows.map((r) => r.name),
      [''],
    );
  });
});

describe('progress page of a failed start', () => {
  let scene: PagesScene;
  let alice: Browser;

  before(async () => {
    scene = await startPagesHub({ behaviour: 'crash' });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    alice = await scene.hub.login('alice', 'alice-password-1');
  });
  after(() => scene.hub.stop());

  test('shows why the start failed and a "try again" link', async () => {
    const xsrf = await alice.csrfToken();
    const res = await alice.postForm('/hub/spawn/alice', {
      _xsrf: xsrf,
      app: 'jupyterlab',
      form_app: 'jupyterlab',
    });
    assert.equal(res.status, 303);
    // The monitor polls the fake job once a second and finds it failed.
    let page = await alice.get('/hub/spawn-pending/alice');
    for (let i = 0; i < 50 && !/did not start/.test(page.text); i++) {
      await new Promise((r) => setTimeout(r, 200));
      page = await alice.get('/hub/spawn-pending/alice');
    }
    assert.match(page.text, /Your server did not start/);
    assert.match(page.text, /<div id="progress-failed" class="alert error" role="alert">/);
    assert.match(
      page.text,
      /<a class="button" id="try-again" href="\/hub\/spawn\/alice\?again=1">Try again<\/a>/,
    );
    assert.doesNotMatch(page.text, /http-equiv="refresh"/);
    const home = await alice.get('/hub/home');
    assert.match(home.text, /Recently ended/);
    assert.match(home.text, /failed to start: /);
  });
});
