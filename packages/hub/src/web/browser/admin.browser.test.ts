// The admin's journey in Chromium: posts a news item and a maintenance banner (with hostile text
// in them) that a user then sees, before and after signing in; adds users (a hostile name
// refused); stops another user's server. Also the tokens page and the error pages (404, 500,
// server not running), in the same look, with screenshots of each at laptop and phone size.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  openPage,
  type PageWatch,
  screenshots,
  signIn,
} from '../../test-support/chromium.js';
import { agentReports, type PagesScene, startPagesHub } from '../../test-support/pages.js';

const XSS_TITLE = 'Cluster upgrade <img src=x onerror=alert(1)>';
const XSS_BODY =
  'The **new nodes** are in `gpu`. <script>alert(2)</script> [docs](javascript:alert(3)) [guide](https://docs.example.org/gpu)';

describe('the admin in Chromium', () => {
  let scene: PagesScene;
  let chromium: Browser;
  let boss: { page: Page; watch: PageWatch };
  let alice: { page: Page; watch: PageWatch };

  before(async () => {
    scene = await startPagesHub({ behaviour: 'instant', resources: true });
    await scene.hub.addUser('boss', { password: 'boss-password-1', admin: true });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    for (let i = 0; i < 23; i++) await scene.hub.addUser(`student${String(i).padStart(2, '0')}`);
    // Alice works in a named server, started through the API.
    const token = await scene.hub.tokenFor('alice');
    const started = await scene.hub.api('POST', '/users/alice/servers/thesis', {
      token,
      body: { user_options: { app: 'jupyterlab', partition: 'normal', cores: 4, memory_gb: 16, hours: 8 } },
    });
    assert.equal(started.status, 202, started.text);
    await agentReports(scene, 'alice', 'thesis');
    chromium = await launchChromium();
    boss = await openPage(chromium);
    alice = await openPage(chromium);
    await signIn(boss.page, scene.hub.url, 'boss', 'boss-password-1');
  });
  after(async () => {
    await chromium?.close();
    await scene?.hub.stop();
  });

  test('posts a news item and a maintenance banner, hostile text included', async () => {
    const { page } = boss;
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: 'News and maintenance' }).click();
    await page.getByLabel('Kind').selectOption('news');
    await page.getByLabel('Title').fill(XSS_TITLE);
    await page.getByLabel('Text').fill(XSS_BODY);
    await page.getByRole('button', { name: 'Post' }).click();
    await page.getByText('Posted.').waitFor();

    await page.getByLabel('Kind').selectOption('maintenance');
    await page.getByLabel('Title').fill('Maintenance on Monday');
    await page.getByLabel('Text').fill('All servers stop at *08:00*; save your work.');
    await page.getByLabel('Show until').fill('2099-12-31T18:00');
    await page.getByRole('button', { name: 'Post' }).click();
    await page.getByText('Posted.').waitFor();
    assert.equal(await page.locator('tr[data-news]').count(), 2);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await screenshots(page, 'admin-news');
    await page.getByRole('link', { name: 'Edit Maintenance on Monday' }).click();
    assert.equal(await page.getByLabel('Show until').inputValue(), '2099-12-31T18:00');
    await screenshots(page, 'admin-news-edit');
  });

  test('a user sees both before signing in and at home, as text; the hostile parts do nothing', async () => {
    const { page } = alice;
    await page.goto(`${scene.hub.url}/hub/home`);
    await page.waitForURL(/\/hub\/login\?next=/);
    const banner = page.getByRole('complementary', { name: 'Maintenance notices' });
    await banner.getByText('Maintenance on Monday').waitFor();
    assert.equal(await banner.locator('em').textContent(), '08:00');
    const news = page.locator('section.news');
    assert.equal(await news.locator('h3').textContent(), XSS_TITLE);
    assert.match(
      (await news.locator('.prose').textContent()) ?? '',
      /<script>alert\(2\)<\/script> \[docs\]\(javascript:alert\(3\)\)/,
    );
    assert.equal(await news.locator('strong').textContent(), 'new nodes');
    assert.equal(
      await news.getByRole('link', { name: 'guide' }).getAttribute('href'),
      'https://docs.example.org/gpu',
    );
    assert.equal(await news.locator('a[href^="javascript"]').count(), 0);
    await screenshots(page, 'login');
    // A hostile username is answered like any wrong one, and shown back as text.
    await page.getByLabel('Username').fill('"><img src=x onerror=alert(5)>');
    await page.getByLabel('Password').fill('whatever-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Invalid username or password.').waitFor();
    assert.equal(await page.getByLabel('Username').inputValue(), '"><img src=x onerror=alert(5)>');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await screenshots(page, 'login-error');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/hub/home');
    await page.getByRole('complementary', { name: 'Maintenance notices' }).waitFor();
    assert.equal(await page.locator('section.news h3').textContent(), XSS_TITLE);
    await screenshots(page, 'home-news');
    assert.deepEqual(alice.watch.dialogs, []);
  });

  test('searches, pages, adds users, refuses a hostile name, and makes an admin', async () => {
    const { page } = boss;
    await page.goto(`${scene.hub.url}/hub/admin`);
    await page.getByText('1–20 of 25').waitFor();
    await screenshots(page, 'admin-users');
    await page.getByRole('link', { name: 'Next →' }).click();
    await page.getByText('21–25 of 25').waitFor();
    await page.getByLabel('Search by name').fill('stu');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1–20 of 23').waitFor();

    const hostile = '<script>alert(4)</script>';
    await page.getByLabel('Username').fill(hostile);
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#f-name-error').waitFor();
    assert.equal(await page.getByLabel('Username').inputValue(), hostile);
    await page.getByLabel('Username').fill('Dora');
    await page.getByLabel('Password', { exact: true }).fill('dora-password-1');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added dora.').waitFor();
    await page.getByRole('button', { name: 'Make admin dora' }).click();
    await page.getByText('dora is now an administrator.').waitFor();
    await page.getByRole('button', { name: 'Block dora' }).click();
    await page.getByText('dora is blocked and signed out everywhere.').waitFor();
    const row = await scene.hub.hub.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', 'dora')
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.admin, row.blocked], [1, 1]);
  });

  test('stops another user’s server, who then reads why it ended', async () => {
    const { page } = boss;
    await page.goto(`${scene.hub.url}/hub/admin/servers`);
    const row = page.locator('tr[data-server="alice/thesis"]');
    assert.match((await row.textContent()) ?? '', /4 cores · 16 GB · 8 h · partition normal/);
    assert.equal(await row.getByRole('link', { name: /Open/ }).count(), 0, 'proxy.admin_access is off');
    await screenshots(page, 'admin-servers');
    await row.getByRole('button', { name: "Stop alice's server thesis" }).click();
    await page.getByText('No server is running.').waitFor();

    await alice.page.goto(`${scene.hub.url}/hub/home`);
    const ended = alice.page.locator('li.ended-row[data-server="thesis"]');
    assert.equal(await ended.locator('.end-reason').textContent(), 'stopped by an administrator');
    await screenshots(alice.page, 'home-ended');
  });

  test('the tokens page makes a token and shows it once', async () => {
    const { page } = alice;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Note').fill('laptop');
    await page.getByLabel('Expires after').selectOption('7');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('Token', { exact: true }).inputValue();
    assert.match(token, /^hph_/);
    await screenshots(page, 'tokens');
    await page.goto(`${scene.hub.url}/hub/tokens`);
    assert.equal(await page.getByLabel('Token', { exact: true }).count(), 0);
    await page.getByRole('button', { name: 'Revoke laptop' }).click();
    await page.getByText('The token was revoked.').waitFor();
  });

  test('error pages in the same look: not found, server not running, internal error', async () => {
    const { page } = alice;
    await page.goto(`${scene.hub.url}/hub/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await screenshots(page, 'error-404');
    await page.goto(`${scene.hub.url}/user/alice/thesis/lab`);
    await page.getByRole('heading', { name: "alice's server thesis is not running" }).waitFor();
    await screenshots(page, 'server-not-running');
    await page.getByRole('link', { name: 'Start it' }).click();
    await page.waitForURL('**/hub/spawn/alice/thesis?next=%2Fuser%2Falice%2Fthesis%2Flab');
    // A broken database is an internal error: the page says so without details.
    // (presets: a table the home page reads on every request; its notices are kept in memory.)
    await scene.hub.hub.db.schema.dropTable('presets').execute();
    const res = await page.goto(`${scene.hub.url}/hub/home`);
    assert.equal(res?.status(), 500);
    await page.getByRole('heading', { name: 'Something went wrong' }).waitFor();
    assert.doesNotMatch(await page.content(), /no such table|SqliteError/);
    await screenshots(page, 'error-500');
  });

  test('nothing broke the CSP, raised a dialog or threw', () => {
    for (const { watch } of [boss, alice])
      assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
  });
});
