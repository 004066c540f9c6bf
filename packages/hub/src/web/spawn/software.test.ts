// "Other software" and "Start again" over HTTP, with the real Lmod and the test module tree: the
// field with the modules the hub listed as suggestions (a <datalist> and a list to read, neither
// needing scripts), its value remembered per app with a module removed since dropped and the
// rest kept, hostile values refused for the field with nothing recorded, a site's label and the
// apps that have the field; and the form of an ended server opened with exactly its app and
// settings, whatever was chosen since, with values that no longer fit falling back.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '../../test-support/hub.js';
import { type TestModuleTree, writeTestModuleTree } from '../../test-support/modules.js';
import { type PagesScene, startPagesHub } from '../../test-support/pages.js';

const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
const input = (html: string, name: string) =>
  new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0] ?? '';
const shownValue = (html: string, name: string) =>
  unescapeHtml(/value="([^"]*)"/.exec(input(html, name))?.[1] ?? '');
const fieldError = (html: string, name: string) =>
  unescapeHtml(new RegExp(`id="f-${name}-error">([^<]*)<`).exec(html)?.[1] ?? '');

describe('"Other software" and "Start again" in the spawn form', () => {
  let tree: TestModuleTree;
  let scene: PagesScene;
  let alice: Browser;
  let xsrf: string;

  before(async () => {
    tree = writeTestModuleTree();
    scene = await startPagesHub({
      behaviour: 'instant',
      resources: true,
      moduleTree: tree.dir,
      configure: (c) => {
        c.modules.field_label = 'Other software (modules)';
        c.modules.field_apps = ['jupyterlab', 'rstudio'];
      },
    });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    alice = await scene.hub.login('alice', 'alice-password-1');
    xsrf = await alice.csrfToken();
  });
  after(async () => {
    await scene?.hub.stop();
    tree?.cleanup();
  });

  const post = (path: string, app: string, fields: Record<string, string>) =>
    alice.postForm(path, { _xsrf: xsrf, app, form_app: app, ...fields });
  const stop = (server: string) =>
    alice.postForm('/hub/servers/alice/stop', { _xsrf: xsrf, server, next: '/hub/home' });
  const rows = async () => (await scene.hub.hub.db.selectFrom('servers').select('id').execute()).length;
  const optionsOf = async (name: string) =>
    JSON.parse(
      (
        await scene.hub.hub.db
          .selectFrom('servers')
          .select('options')
          .where('name', '=', name)
          .executeTakeFirstOrThrow()
      ).options,
    ) as Record<string, unknown>;

  test('the field, with the site’s label and the listed modules as suggestions, without scripts', async () => {
    const res = await alice.get('/hub/spawn/alice');
    assert.equal(res.status, 200);
    assert.match(res.text, /<label for="f-modules">Other software \(modules\)<\/label>/);
    const field = input(res.text, 'modules');
    assert.match(field, /type="text"/);
    assert.match(field, /list="f-modules-list"/);
    assert.match(field, /value=""/);
    // What the hub listed: the test tree, and whatever else Lmod's own trees hold.
    const listed = scene.hub.running.app.spawning.modules.current()?.names ?? [];
    for (const name of [tree.a.name, tree.b.name, tree.broken]) assert.ok(listed.includes(name), name);
    const datalist = /<datalist id="f-modules-list">(.*?)<\/datalist>/s.exec(res.text)?.[1] ?? '';
    assert.deepEqual(
      [...datalist.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]),
      listed,
    );
    const list =
      /<details class="module-list"><summary>Modules on this cluster \((\d+)\)<\/summary>(.*?)<\/details>/s.exec(
        res.text,
      );
    assert.equal(list?.[1], String(listed.length));
    assert.deepEqual(
      [...(list?.[2] ?? '').matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]),
      listed,
    );
    // Before the custom script, which runs after the modules.
    assert.ok(res.text.indexOf('name="modules"') < res.text.indexOf('name="custom_script"'));
  });

  test('apps the site leaves out have no field, and refuse the option', async () => {
    const form = await alice.get('/hub/spawn/alice?app=tensorboard');
    assert.equal(input(form.text, 'modules'), '');
    const res = await post('/hub/spawn/alice/board', 'tensorboard', { modules: tree.a.name });
    assert.equal(res.status, 400);
    assert.match(res.text, /<li>modules: Unknown option modules\.<\/li>/);
    assert.equal(await rows(), 0);
  });

  for (const [what, value, message] of [
    ['a command substitution', '$(touch /tmp/hpchub-pwned)', /is not a module name/],
    ['a command separator', `${'hpchub-test-a/1.0'};id`, /is not a module name/],
    ['a name the module system does not know', 'hpchub-no-such/1.0', /is not a module this cluster has/],
    ['many modules', Array.from({ length: 40 }, (_, i) => `m/${i}`).join(' '), /at most 16 modules/],
    ['a huge field', 'a/1 '.repeat(4000), /This list is too long/],
  ] as const) {
    test(`${what}: refused for the field, shown back as typed, nothing recorded`, async () => {
      const res = await post('/hub/spawn/alice/hostile', 'jupyterlab', { modules: value });
      assert.equal(res.status, 400);
      assert.match(fieldError(res.text, 'modules'), message);
      assert.match(res.text, /<a href="#f-modules">/);
      assert.match(input(res.text, 'modules'), /aria-invalid="true"/);
      assert.equal(shownValue(res.text, 'modules'), value);
      assert.equal(await rows(), 0);
      assert.equal(scene.spawner.liveJobs(), 0);
    });
  }

  test('two modules: started with them, and the next form shows them; a module gone since is dropped', async () => {
    const res = await post('/hub/spawn/alice/work', 'jupyterlab', {
      partition: 'short',
      cores: '1',
      memory_gb: '2',
      hours: '1',
      modules: `${tree.a.name}, ${tree.b.name}`,
    });
    assert.equal(res.status, 303, /<div class="alert error".*?<\/div>/s.exec(res.text)?.[0]);
    assert.equal((await optionsOf('work')).modules, `${tree.a.name} ${tree.b.name}`);
    assert.equal((await stop('work')).status, 303);
    const next = await alice.get('/hub/spawn/alice');
    assert.equal(shownValue(next.text, 'modules'), `${tree.a.name} ${tree.b.name}`);
    // The site removes module b; once the hub has listed again, b is no longer offered.
    rmSync(join(tree.dir, 'hpchub-test-b'), { recursive: true, force: true });
    await scene.hub.running.app.spawning.modules.refresh();
    const later = await alice.get('/hub/spawn/alice');
    assert.equal(shownValue(later.text, 'modules'), tree.a.name);
    assert.doesNotMatch(later.text, /<option value="hpchub-test-b\//);
  });

  test('"Start again" opens that server’s app and settings, not the last choices of the first app', async () => {
    // An RStudio server with its own settings, then a JupyterLab start with others: the last
    // choices of JupyterLab (the first app) are not what "Start again" of the RStudio server shows.
    const rstudio = await post('/hub/spawn/alice/stats', 'rstudio', {
      partition: 'normal',
      cores: '6',
      memory_gb: '24',
      hours: '3',
      modules: tree.a.name,
      custom_script: '~/r-env.sh',
    });
    assert.equal(rstudio.status, 303, rstudio.text.slice(0, 800));
    assert.equal((await stop('stats')).status, 303);
    const lab = await post('/hub/spawn/alice', 'jupyterlab', {
      partition: 'short',
      cores: '1',
      memory_gb: '1',
      hours: '1',
    });
    assert.equal(lab.status, 303);
    assert.equal((await stop('')).status, 303);

    const home = await alice.get('/hub/home');
    const link = /href="([^"]+)">Start again<\/a>/.exec(
      /<li class="ended-row" data-server="stats">.*?<\/li>/s.exec(home.text)?.[0] ?? '',
    )?.[1];
    assert.equal(link, '/hub/spawn/alice/stats?again=1');
    const again = await alice.get(link ?? '');
    assert.equal(again.status, 200);
    assert.match(again.text, /<input type="radio" name="app" value="rstudio" checked>/);
    assert.match(again.text, /<input type="hidden" name="form_app" value="rstudio">/);
    assert.match(again.text, /Filled in with the settings server stats last started with\./);
    assert.match(again.text, /<option value="normal" selected>/);
    assert.deepEqual(
      Object.fromEntries(
        ['cores', 'memory_gb', 'hours', 'modules', 'custom_script'].map((n) => [
          n,
          shownValue(again.text, n),
        ]),
      ),
      { cores: '6', memory_gb: '24', hours: '3', modules: tree.a.name, custom_script: '~/r-env.sh' },
    );
    // The default server's "Start again" has its own settings; the form without it, the last choices.
    const defaultAgain = await alice.get('/hub/spawn/alice?again=1');
    assert.match(defaultAgain.text, /Filled in with the settings the default server last started with\./);
    assert.equal(shownValue(defaultAgain.text, 'memory_gb'), '1');
    const plain = await alice.get('/hub/spawn/alice/stats');
    assert.match(plain.text, /<input type="radio" name="app" value="jupyterlab" checked>/);
  });

  test('"Start again": values come from the server only; stale ones fall back like remembered ones', async () => {
    // Nothing in the URL but `again` is read: values in it are ignored.
    const crafted = await alice.get(
      '/hub/spawn/alice/stats?again=1&cores=16&custom_script=..%2Fx&modules=%24(id)',
    );
    assert.equal(shownValue(crafted.text, 'cores'), '6');
    assert.equal(shownValue(crafted.text, 'modules'), tree.a.name);
    // The server's record changed behind the form's back (an older hub, a partition gone, a module
    // gone, a bad path): each value that no longer fits falls back, the rest are kept.
    await scene.hub.hub.db
      .updateTable('servers')
      .set({
        options: JSON.stringify({
          app: 'rstudio',
          partition: 'gpu',
          cores: 12,
          hours: 3,
          modules: `hpchub-gone/1.0 ${tree.a.name}`,
          custom_script: '../../etc/profile',
        }),
      })
      .where('name', '=', 'stats')
      .execute();
    const stale = await alice.get('/hub/spawn/alice/stats?again=1');
    assert.match(stale.text, /<input type="radio" name="app" value="rstudio" checked>/);
    assert.deepEqual(
      Object.fromEntries(
        ['cores', 'hours', 'modules', 'custom_script'].map((n) => [n, shownValue(stale.text, n)]),
      ),
      { cores: '12', hours: '3', modules: tree.a.name, custom_script: '~/.rstudiorc' },
    );
    assert.match(stale.text, /<option value="normal" selected>/);
    // An app no longer offered: the first app, with the values that fit it.
    await scene.hub.hub.db
      .updateTable('servers')
      .set({ app: 'emacs', options: JSON.stringify({ app: 'emacs', partition: 'normal', cores: 5 }) })
      .where('name', '=', 'stats')
      .execute();
    const gone = await alice.get('/hub/spawn/alice/stats?again=1');
    assert.equal(gone.status, 200);
    assert.match(gone.text, /<input type="radio" name="app" value="jupyterlab" checked>/);
    assert.equal(shownValue(gone.text, 'cores'), '5');
    // A server that does not exist: the usual form.
    const none = await alice.get('/hub/spawn/alice/nosuch?again=1');
    assert.equal(none.status, 200);
    assert.doesNotMatch(none.text, /last started with/);
  });

  test('"Start again" of someone else’s server: an admin sees its settings, another user nothing', async () => {
    await scene.hub.addUser('boss', { password: 'boss-password-1', admin: true });
    await scene.hub.addUser('bob', { password: 'bob-password-1' });
    const boss = await scene.hub.login('boss', 'boss-password-1');
    const forAlice = await boss.get('/hub/spawn/alice?again=1');
    assert.equal(forAlice.status, 200);
    assert.match(forAlice.text, /<h1>Start a server for alice<\/h1>/);
    assert.equal(shownValue(forAlice.text, 'memory_gb'), '1');
    const bob = await scene.hub.login('bob', 'bob-password-1');
    assert.equal((await bob.get('/hub/spawn/alice?again=1')).status, 404);
    assert.equal((await bob.get('/hub/spawn/alice/stats?again=1')).status, 404);
  });
});
