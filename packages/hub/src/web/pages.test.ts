// Who may see which page and post which form, over HTTP without a browser: anonymous visitors
// are sent to the login page, users see their own pages only (others' and the admin area answer
// 404, like missing pages), and every form that changes something is refused without its CSRF
// token. Every page keeps to the strict CSP: no inline script, no inline style.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '../test-support/hub.js';
import { Browser as Client } from '../test-support/hub.js';
import { type PagesScene, startPagesHub } from '../test-support/pages.js';

const SIGNED_IN_PAGES = [
  '/hub/home',
  '/hub/spawn/alice',
  '/hub/spawn/alice/lab2',
  '/hub/spawn-pending/alice',
  '/hub/tokens',
];
const ADMIN_PAGES = [
  '/hub/admin',
  '/hub/admin?q=a&offset=0',
  '/hub/admin/servers',
  '/hub/admin/news',
  '/hub/admin/news/1',
];

/** Every form the pages post, with fields that would be accepted given the right token. */
const FORMS: [string, Record<string, string>][] = [
  ['/hub/spawn/alice', { app: 'jupyterlab', form_app: 'jupyterlab', server_name: 'csrf' }],
  ['/hub/spawn/alice/csrf2', { app: 'jupyterlab', form_app: 'jupyterlab' }],
  ['/hub/servers/alice/stop', { server: '' }],
  ['/hub/servers/alice/delete', { server: 'old' }],
  ['/hub/tokens', { note: 'x', expires: '1', scopes: 'self' }],
  ['/hub/tokens/1/revoke', {}],
  ['/hub/logout', {}],
];
const ADMIN_FORMS: [string, Record<string, string>][] = [
  ['/hub/admin/users', { name: 'newbie' }],
  ['/hub/admin/users/alice/admin', { value: 'true' }],
  ['/hub/admin/users/alice/block', { value: 'true' }],
  ['/hub/admin/news', { kind: 'news', title: 'Forged' }],
  ['/hub/admin/news/1', { kind: 'news', title: 'Forged' }],
  ['/hub/admin/news/1/delete', {}],
];

describe('page access and CSRF', () => {
  let scene: PagesScene;
  let alice: Browser;
  let boss: Browser;

  before(async () => {
    scene = await startPagesHub({ behaviour: 'never' });
    const { hub } = scene;
    await hub.addUser('alice', { password: 'alice-password-1' });
    await hub.addUser('bob', { password: 'bob-password-12' });
    await hub.addUser('boss', { password: 'boss-password-1', admin: true });
    alice = await hub.login('alice', 'alice-password-1');
    boss = await hub.login('boss', 'boss-password-1');
    // A server for the progress page, and a news item for the edit page.
    const token = await hub.tokenFor('alice');
    const started = await hub.api('POST', '/users/alice/server', {
      token,
      body: { user_options: { app: 'jupyterlab' } },
    });
    assert.equal(started.status, 202, started.text);
    const news = await hub.api('POST', '/news', {
      token: await hub.tokenFor('boss', ['admin']),
      body: { title: 'First' },
    });
    assert.equal(news.status, 201, news.text);
  });
  after(() => scene.hub.stop());

  test('anonymous visitors of signed-in pages are sent to the login page, and back afterwards', async () => {
    for (const path of [...SIGNED_IN_PAGES, ...ADMIN_PAGES, '/hub/spawn']) {
      const res = await new Client(scene.hub.url).get(path);
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.get('location'), `/hub/login?next=${encodeURIComponent(path)}`, path);
    }
  });

  test('a user sees their own pages; the admin area and other users’ pages do not exist for them', async () => {
    for (const path of SIGNED_IN_PAGES) assert.equal((await alice.get(path)).status, 200, path);
    assert.equal((await alice.get('/hub/spawn')).headers.get('location'), '/hub/spawn/alice');
    for (const path of [...ADMIN_PAGES, '/hub/spawn/bob', '/hub/spawn-pending/bob', '/hub/spawn/nobody']) {
      const res = await alice.get(path);
      assert.equal(res.status, 404, path);
      assert.match(res.text, /Page not found/, path);
    }
  });

  test('an admin sees the admin area and may start servers for others', async () => {
    for (const path of [...ADMIN_PAGES, '/hub/spawn/alice', '/hub/spawn/bob', '/hub/spawn-pending/alice']) {
      assert.equal((await boss.get(path)).status, 200, path);
    }
  });

  test('every form is refused without its CSRF token or with a forged one, and nothing changes', async () => {
    for (const [path, fields] of [...FORMS, ...ADMIN_FORMS]) {
      const who = ADMIN_FORMS.some(([p]) => p === path) ? boss : alice;
      for (const xsrf of [undefined, 'forged-token']) {
        const res = await who.postForm(path, xsrf === undefined ? fields : { ...fields, _xsrf: xsrf });
        assert.equal(res.status, 403, `${path} with ${xsrf ?? 'no token'}`);
        assert.match(res.text, /The form has expired or was not sent by this site/, path);
      }
    }
    const db = scene.hub.hub.db;
    assert.equal(
      (await db.selectFrom('users').select('name').where('name', '=', 'newbie').execute()).length,
      0,
    );
    const aliceRow = await db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', 'alice')
      .executeTakeFirstOrThrow();
    assert.equal(aliceRow.blocked, 0);
    assert.equal(aliceRow.admin, 0);
    assert.equal(
      (await db.selectFrom('news_items').select('title').executeTakeFirstOrThrow()).title,
      'First',
    );
    assert.equal(
      (await db.selectFrom('servers').select('status').where('name', '=', '').executeTakeFirstOrThrow())
        .status,
      'pending',
    );
    assert.equal((await db.selectFrom('api_tokens').selectAll().execute()).length, 2, 'no token was created');
    assert.equal((await alice.get('/hub/home')).status, 200, 'still signed in');
  });

  test('forms posted anonymously are refused; admin forms do not exist for users', async () => {
    for (const [path, fields] of [...FORMS, ...ADMIN_FORMS]) {
      const res = await new Client(scene.hub.url).postForm(path, fields);
      assert.ok(
        res.status === 401 || (path === '/hub/logout' && res.status === 303),
        `${path}: ${res.status}`,
      );
    }
    const xsrf = await alice.csrfToken();
    for (const [path, fields] of ADMIN_FORMS) {
      assert.equal((await alice.postForm(path, { ...fields, _xsrf: xsrf })).status, 404, path);
    }
    assert.equal((await alice.postForm('/hub/servers/bob/stop', { server: '', _xsrf: xsrf })).status, 404);
  });

  test('pages keep to the strict Content-Security-Policy: no inline scripts, handlers or styles', async () => {
    const login = await new Client(scene.hub.url).get('/hub/login');
    const pages = [login, ...(await Promise.all([...SIGNED_IN_PAGES, '/hub/nope'].map((p) => alice.get(p))))];
    pages.push(...(await Promise.all(ADMIN_PAGES.map((p) => boss.get(p)))));
    for (const res of pages) {
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self';.*style-src 'self'/);
      assert.doesNotMatch(res.text, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline <script>');
      assert.doesNotMatch(res.text, /\son[a-z]+\s*=/i, 'no event handler attributes');
      assert.doesNotMatch(res.text, /\sstyle\s*=|<style/i, 'no inline styles');
    }
  });

  test('static assets are versioned by content and cached for a year; unknown ones are 404', async () => {
    const home = await alice.get('/hub/home');
    const urls = [...home.text.matchAll(/(?:href|src)="(\/hub\/static\/[^"]+)"/g)].map((m) => m[1] as string);
    assert.ok(
      urls.some((u) => u.endsWith('/hub.css')) && urls.some((u) => u.endsWith('/site.css')),
      urls.join(' '),
    );
    for (const url of urls) {
      const res = await fetch(`${scene.hub.url}${url}`);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    }
    const form = await alice.get('/hub/spawn/alice');
    const script = /src="(\/hub\/static\/[0-9a-f]+\/spawn-form\.js)"/.exec(form.text)?.[1];
    assert.ok(script);
    assert.match((await fetch(`${scene.hub.url}${script}`)).headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${scene.hub.url}/hub/static/0/nothing.js`)).status, 404);
    assert.equal((await fetch(`${scene.hub.url}/hub/static/0/../../package.json`)).status, 404);
    const stale = await fetch(`${scene.hub.url}/hub/static/000000000000/hub.css`);
    assert.equal(stale.headers.get('cache-control'), 'no-cache', 'an old version is served but not cached');
  });
});
