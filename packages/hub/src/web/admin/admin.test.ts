// The admin area over HTTP: users (add, search, paging, admin flag, block), running servers of
// everyone (stop; open only with proxy.admin_access), and news (post, schedule, edit, delete),
// with hostile names and texts shown as text; the apps other users of a node could reach, named.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '../../test-support/hub.js';
import { agentReports, type PagesScene, startPagesHub } from '../../test-support/pages.js';
import { TINY_APP, writeTinyApps } from '../../test-support/tiny-app.js';

const XSS = '<script>alert(1)</script>';

describe('admin pages', () => {
  let scene: PagesScene;
  let boss: Browser;
  let xsrf: string;

  before(async () => {
    scene = await startPagesHub({
      configure: (c) => {
        c.proxy.admin_access = true;
      },
    });
    await scene.hub.addUser('boss', { password: 'boss-password-1', admin: true });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    boss = await scene.hub.login('boss', 'boss-password-1');
    xsrf = await boss.csrfToken();
  });
  after(() => scene.hub.stop());

  const user = (name: string) =>
    scene.hub.hub.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();

  test('adds a user with a password, who can then sign in; a hostile name is refused as text', async () => {
    const res = await boss.postForm('/hub/admin/users', {
      _xsrf: xsrf,
      name: 'Carol',
      password: 'carol-password-1',
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/hub/admin?q=carol&done=added&user=carol');
    const page = await boss.get(res.headers.get('location') ?? '');
    assert.match(page.text, /<div class="alert ok" role="status">Added carol\.<\/div>/);
    assert.match(page.text, /<tr data-user="carol">/);
    await scene.hub.login('carol', 'carol-password-1');

    const hostile = await boss.postForm('/hub/admin/users', { _xsrf: xsrf, name: XSS });
    assert.equal(hostile.status, 400);
    assert.match(hostile.text, /id="f-name-error">A username may contain only/);
    assert.match(hostile.text, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.doesNotMatch(hostile.text, /<script>alert/);
    const spoof = await boss.get(`/hub/admin?done=added&user=${encodeURIComponent(XSS)}`);
    assert.doesNotMatch(spoof.text, /Added/, 'a crafted link cannot make the page say anything');
    const taken = await boss.postForm('/hub/admin/users', { _xsrf: xsrf, name: 'alice' });
    assert.equal(taken.status, 409);
    assert.match(taken.text, /A user named alice already exists/);
  });

  test('searches by name start and pages through many users', async () => {
    for (let i = 0; i < 25; i++) await scene.hub.addUser(`user${String(i).padStart(2, '0')}`);
    const first = await boss.get('/hub/admin?q=user');
    assert.equal([...first.text.matchAll(/<tr data-user="user\d\d">/g)].length, 20);
    assert.match(first.text, /1–20 of 25/);
    const next = /<a href="([^"]+)">Next →<\/a>/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    assert.equal(next, '/hub/admin?q=user&offset=20');
    const second = await boss.get(next ?? '');
    assert.deepEqual(
      [...second.text.matchAll(/<tr data-user="(user\d\d)">/g)].map((m) => m[1]),
      ['user20', 'user21', 'user22', 'user23', 'user24'],
    );
    assert.match(second.text, /← Previous/);
  });

  test('makes a user admin and blocks one (signing them out); refuses to block oneself', async () => {
    assert.equal(
      (await boss.postForm('/hub/admin/users/carol/admin', { _xsrf: xsrf, value: 'true' })).status,
      303,
    );
    assert.equal((await user('carol'))?.admin, 1);
    const alice = await scene.hub.login('alice', 'alice-password-1');
    const blocked = await boss.postForm('/hub/admin/users/alice/block', {
      _xsrf: xsrf,
      value: 'true',
      q: '',
      offset: '0',
    });
    assert.equal(blocked.headers.get('location'), '/hub/admin?offset=0&done=blocked&user=alice');
    assert.equal((await user('alice'))?.blocked, 1);
    assert.equal((await alice.get('/hub/home')).status, 302, 'the blocked user is signed out');
    assert.equal(
      (await boss.postForm('/hub/admin/users/alice/block', { _xsrf: xsrf, value: 'false' })).status,
      303,
    );
    const self = await boss.postForm('/hub/admin/users/boss/block', { _xsrf: xsrf, value: 'true' });
    assert.equal(self.status, 400);
    assert.match(self.text, /You cannot block yourself\./);
    assert.equal((await user('boss'))?.blocked, 0);
  });

  test('lists everyone’s running servers, opens and stops them', async () => {
    const token = await scene.hub.tokenFor('alice');
    await scene.hub.api('POST', '/users/alice/servers/work', {
      token,
      body: { user_options: { app: 'jupyterlab' } },
    });
    await agentReports(scene, 'alice', 'work');
    const page = await boss.get('/hub/admin/servers');
    assert.match(page.text, /<tr data-server="alice\/work">/);
    assert.match(page.text, /<a class="button small" href="\/user\/alice\/work\/"/);
    const stop = await boss.postForm('/hub/servers/alice/stop', {
      _xsrf: xsrf,
      server: 'work',
      next: '/hub/admin/servers',
    });
    assert.equal(stop.headers.get('location'), '/hub/admin/servers');
    assert.match((await boss.get('/hub/admin/servers')).text, /No server is running\./);
    const alice = await scene.hub.login('alice', 'alice-password-1');
    assert.match((await alice.get('/hub/home')).text, /stopped by an administrator/);
  });

  test('posts, schedules, edits and deletes news; hostile text stays text', async () => {
    const posted = await boss.postForm('/hub/admin/news', {
      _xsrf: xsrf,
      kind: 'maintenance',
      title: `Downtime ${XSS}`,
      body: `**Monday** [x](javascript:alert(1)) <img src=x onerror=alert(1)>`,
      starts_at: '',
      ends_at: '',
    });
    assert.equal(posted.status, 303);
    const list = await boss.get('/hub/admin/news?done=posted');
    assert.match(list.text, /Posted\./);
    assert.match(list.text, /Downtime &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(
      list.text,
      /<strong>Monday<\/strong> \[x\]\(javascript:alert\(1\)\) &lt;img src=x onerror=alert\(1\)&gt;/,
    );
    assert.doesNotMatch(list.text, /<script>alert|<img src=x/);
    const login = await scene.hub.login('alice', 'alice-password-1');
    assert.match(
      (await login.get('/hub/home')).text,
      /<aside class="banner"[^>]*>[\s\S]*Downtime &lt;script&gt;/,
    );

    const id = /<tr data-news="(\d+)">/.exec(list.text)?.[1];
    const bad = await boss.postForm(`/hub/admin/news/${id}`, {
      _xsrf: xsrf,
      kind: 'maintenance',
      title: 'Downtime',
      starts_at: 'soon',
      ends_at: '',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="f-starts_at-error">Give a date and time, or leave it empty\./);
    const backwards = await boss.postForm(`/hub/admin/news/${id}`, {
      _xsrf: xsrf,
      kind: 'maintenance',
      title: 'Downtime',
      starts_at: '2030-01-02T08:00',
      ends_at: '2030-01-01T08:00',
    });
    assert.equal(backwards.status, 400);
    assert.match(backwards.text, /id="f-ends_at-error">The end must come after the start\./);
    const scheduled = await boss.postForm(`/hub/admin/news/${id}`, {
      _xsrf: xsrf,
      kind: 'maintenance',
      title: 'Downtime',
      body: 'later',
      starts_at: '2030-01-01T08:00',
      ends_at: '2030-01-02T08:00',
    });
    assert.equal(scheduled.status, 303);
    const edit = await boss.get(`/hub/admin/news/${id}`);
    assert.match(edit.text, /name="starts_at" type="datetime-local" value="2030-01-01T08:00"/);
    assert.match((await boss.get('/hub/admin/news')).text, /scheduled/);
    assert.doesNotMatch((await login.get('/hub/home')).text, /class="banner"/, 'not shown before its start');
    assert.equal((await boss.postForm(`/hub/admin/news/${id}/delete`, { _xsrf: xsrf })).status, 303);
    assert.match((await boss.get('/hub/admin/news')).text, /Nothing posted yet\./);
  });

  test('a user without a name is refused with the name field marked', async () => {
    const res = await boss.postForm('/hub/admin/users', { _xsrf: xsrf, name: '  ' });
    assert.equal(res.status, 400);
    assert.match(res.text, /id="f-name-error">A username is required\./);
  });

  test('a notice is held to the news API’s limits: a title of at most 200 characters', async () => {
    const res = await boss.postForm('/hub/admin/news', {
      _xsrf: xsrf,
      kind: 'news',
      title: 't'.repeat(201),
      body: '',
      starts_at: '',
      ends_at: '',
    });
    assert.equal(res.status, 400);
    assert.match(res.text, /The notice was not saved\./);
    assert.match(res.text, /id="f-title-error">Must NOT have more than 200 characters\./);
    assert.doesNotMatch((await boss.get('/hub/admin/news')).text, /t{201}/);
    const missing = await boss.postForm('/hub/admin/news/999999', {
      _xsrf: xsrf,
      kind: 'news',
      title: 'Gone',
      starts_at: '',
      ends_at: '',
    });
    assert.equal(missing.status, 404);
  });
});

describe('admin servers page without admin access to servers', () => {
  let scene: PagesScene;
  before(async () => {
    scene = await startPagesHub();
    await scene.hub.addUser('boss', { password: 'boss-password-1', admin: true });
    await scene.hub.addUser('alice');
  });
  after(() => scene.hub.stop());

  test('offers stop but no open link when proxy.admin_access is off', async () => {
    const token = await scene.hub.tokenFor('alice');
    await scene.hub.api('POST', '/users/alice/server', {
      token,
      body: { user_options: { app: 'jupyterlab' } },
    });
    await agentReports(scene, 'alice', '');
    const boss = await scene.hub.login('boss', 'boss-password-1');
    const page = await boss.get('/hub/admin/servers');
    assert.match(page.text, /<tr data-server="alice\/default">/);
    assert.match(page.text, />Stop<\/button>/);
    assert.doesNotMatch(page.text, />Open<\/a>/);
    assert.match(page.text, /Opening users' servers is off on this hub/);
  });
});

describe('admin servers page and apps other users of a node could reach', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-exposed-'));
  let scene: PagesScene;
  before(async () => {
    const appsFile = writeTinyApps(dir);
    const apps = JSON.parse(readFileSync(appsFile, 'utf8')) as Array<Record<string, unknown>>;
    // The tiny app as a site might define it: on the node's loopback, with no sign-in.
    writeFileSync(appsFile, JSON.stringify(apps.map((a) => ({ ...a, network: 'host' }))));
    scene = await startPagesHub({
      configure: (c) => {
        c.apps.file = appsFile;
        c.apps.enabled = ['jupyterlab', 'tensorboard', 'rstudio', TINY_APP];
      },
    });
    await scene.hub.addUser('boss', { password: 'boss-password-1', admin: true });
  });
  after(async () => {
    await scene.hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('names only the app on the node’s network without a sign-in', async () => {
    const boss = await scene.hub.login('boss', 'boss-password-1');
    const page = await boss.get('/hub/admin/servers');
    const notice = /<p class="alert" data-exposed-apps>([\s\S]*?)<\/p>/.exec(page.text)?.[1] ?? '';
    assert.match(notice, /Not protected on shared nodes: Tiny app listens on the node's loopback/);
    // TensorBoard runs in its own network, RStudio signs every request in, JupyterLab has a socket.
    assert.doesNotMatch(notice, /TensorBoard|RStudio|JupyterLab/);
  });
});
