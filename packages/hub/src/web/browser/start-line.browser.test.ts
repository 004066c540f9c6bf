// Waiting in line for a start slot, in Chromium: a user who presses Start while the hub's start
// slots are taken sees their place on the progress page, sees it go down as the line moves (one
// line in the event log, not one per place), and lands in the app once their server is ready.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, type PageWatch, screenshots } from '../../test-support/chromium.js';
import { agentOf, type PagesScene, serverIdOf, startPagesHub } from '../../test-support/pages.js';

describe('a start waiting in line, in Chromium', () => {
  let scene: PagesScene;
  let chromium: Browser;
  let page: Page;
  let watch: PageWatch;
  let admin = '';

  before(async () => {
    // One start slot, and fake jobs that run at once: each start holds the slot until its agent reports.
    scene = await startPagesHub({
      behaviour: 'instant',
      configure: (c) => (c.spawner.concurrent_spawns = 1),
    });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    await scene.hub.addUser('boss', { admin: true });
    for (const name of ['carol', 'dave']) await scene.hub.addUser(name);
    admin = await scene.hub.tokenFor('boss', ['admin']);
    chromium = await launchChromium();
    ({ page, watch } = await openPage(chromium));
    await page.route('**/user/alice/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>App</title><h1>The app of alice</h1>' }),
    );
  });
  after(async () => {
    await chromium?.close();
    await scene?.hub.stop();
  });

  test('the place shows on the progress page, goes down as the line moves, then the app opens', async () => {
    const { hub, spawner } = scene;
    // carol's start takes the only slot; dave's waits first in line.
    for (const name of ['carol', 'dave'])
      assert.equal((await hub.api('POST', `/users/${name}/server`, { token: admin, body: {} })).status, 202);

    await page.goto(`${hub.url}/hub/login`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/hub/home');
    await page.goto(`${hub.url}/hub/spawn/alice`);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL('**/hub/spawn-pending/alice');
    const status = page.locator('#progress-status');
    await page
      .locator('#progress-status', { hasText: 'Waiting for a free start slot: 2nd in line' })
      .waitFor();
    await screenshots(page, 'progress-in-line');

    // dave gives up: alice moves up, and the log keeps one line for her place.
    assert.equal((await hub.api('DELETE', '/users/dave/server', { token: admin })).status, 204);
    await page
      .locator('#progress-status', { hasText: 'Waiting for a free start slot: 1st in line' })
      .waitFor();
    assert.equal(await page.locator('#event-log li', { hasText: 'in line' }).count(), 1);
    assert.deepEqual(await page.locator('#event-log li', { hasText: 'in line' }).allTextContents(), [
      'Waiting for a free start slot: 1st in line',
    ]);

    // carol's server answers: the slot is alice's, her job is launched, her agent reports in.
    await (await agentOf(scene, 'carol', '')).ready();
    const aliceId = await serverIdOf(hub, 'alice');
    for (let i = 0; i < 1000 && !spawner.launched.includes(aliceId); i++) await sleep(10);
    assert.ok(spawner.launched.includes(aliceId), 'alice’s job was launched');
    await page.locator('#event-log li', { hasText: 'A start slot is free' }).waitFor();
    assert.ok(Number(await page.locator('#progress-bar').getAttribute('value')) >= 15);
    await (await agentOf(scene, 'alice', '')).ready();
    await page.waitForURL('**/user/alice/');
    assert.equal(await page.locator('h1').textContent(), 'The app of alice');
    assert.notEqual(await status.count(), 1, 'the progress page is gone');
  });

  test('nothing on these pages broke the CSP, raised a dialog or threw', () => {
    assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
  });
});
